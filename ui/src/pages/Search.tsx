import { type FormEvent, useEffect, useMemo, useState } from 'react'
import { useNavigate, useSearchParams } from 'react-router-dom'
import { api } from '../api/client'
import { AttrFilters } from '../components/AttrFilters'
import { EChart } from '../components/EChart'
import { OperationSelect } from '../components/OperationSelect'
import { SearchCompare, usePicks } from '../components/SearchCompare'
import { ServiceSelect } from '../components/ServiceSelect'
import { Empty, ErrorState, Loading } from '../components/States'
import { TimeRangePicker } from '../components/TimeRangePicker'
import { TraceQLBox } from '../components/TraceQLBox'
import { TraceResults } from '../components/TraceResults'
import { useApi } from '../hooks/useApi'
import { traceScatterOption } from '../lib/charts'
import { formOfFilters } from '../lib/traceql'
import {
  describeRange,
  parseSearchFilters,
  rangeBounds,
  type SearchFilters,
  type StatusFilter,
  searchFiltersToParams,
} from '../lib/urlState'
import './Search.css'

function numOrUndefined(s: string): number | undefined {
  if (s.trim() === '') return undefined
  const n = Number(s)
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

export function SearchPage() {
  const [params, setParams] = useSearchParams()
  const navigate = useNavigate()
  const key = params.toString()
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query string is the identity of the filters
  const filters = useMemo(() => parseSearchFilters(params), [key])
  const traceqlForm = useMemo(() => formOfFilters(filters), [filters])

  const picks = usePicks()
  const [draft, setDraft] = useState<SearchFilters>(filters)
  const [minText, setMinText] = useState(filters.minDurationMs?.toString() ?? '')
  const [maxText, setMaxText] = useState(filters.maxDurationMs?.toString() ?? '')
  useEffect(() => {
    setDraft(filters)
    setMinText(filters.minDurationMs?.toString() ?? '')
    setMaxText(filters.maxDurationMs?.toString() ?? '')
  }, [filters])

  useEffect(() => {
    document.title = 'Traces · Skein'
  }, [])

  const q = useApi(
    (signal) =>
      api.traces(
        {
          service: filters.service || undefined,
          operation: filters.operation || undefined,
          minDurationMs: filters.minDurationMs,
          maxDurationMs: filters.maxDurationMs,
          status: filters.status || undefined,
          attr: filters.attrs,
          limit: filters.limit ?? 100,
          range: filters.range,
        },
        signal,
      ),
    [key],
  )

  const apply = (next: SearchFilters) => setParams(searchFiltersToParams(next))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    apply({ ...draft, minDurationMs: numOrUndefined(minText), maxDurationMs: numOrUndefined(maxText) })
  }
  const bounds = useMemo(() => rangeBounds(filters.range), [filters.range])
  const scatter = useMemo(() => traceScatterOption(q.data ?? [], bounds), [q.data, bounds])
  const minInvalid = minText !== '' && numOrUndefined(minText) === undefined
  const maxInvalid = maxText !== '' && numOrUndefined(maxText) === undefined

  return (
    <div className="page" data-testid="search-page">
      <div className="page-head">
        <div>
          <h1>Traces</h1>
          <p>Find requests by service, operation, duration, status and attributes.</p>
        </div>
      </div>
      <form className="card filters search-form" onSubmit={submit} data-testid="search-form">
        <ServiceSelect
          value={draft.service}
          range={draft.range}
          onChange={(service) => setDraft({ ...draft, service, operation: '' })}
        />
        <OperationSelect
          service={draft.service}
          value={draft.operation}
          range={draft.range}
          onChange={(operation) => setDraft({ ...draft, operation })}
        />
        <div className="field-dur">
          <label className="field" htmlFor="min-dur">
            <span>Trace duration (ms)</span>
          </label>
          <div className="dur-pair">
            <input
              id="min-dur"
              className="input mono"
              inputMode="decimal"
              placeholder="min"
              aria-label="Minimum trace duration in milliseconds"
              aria-invalid={minInvalid}
              data-testid="min-duration"
              value={minText}
              onChange={(e) => setMinText(e.target.value)}
            />
            <span className="muted">–</span>
            <input
              className="input mono"
              inputMode="decimal"
              placeholder="max"
              aria-label="Maximum trace duration in milliseconds"
              aria-invalid={maxInvalid}
              data-testid="max-duration"
              value={maxText}
              onChange={(e) => setMaxText(e.target.value)}
            />
          </div>
          <span className="hint">
            Applies to the whole trace (root start to last span end), not to single spans.
          </span>
        </div>
        <label className="field">
          <span>Status</span>
          <select
            className="select"
            value={draft.status}
            data-testid="status-select"
            onChange={(e) => setDraft({ ...draft, status: e.target.value as StatusFilter })}
          >
            <option value="">Any</option>
            <option value="error">Error</option>
            <option value="ok">OK</option>
            <option value="unset">Unset</option>
          </select>
        </label>
        <AttrFilters value={draft.attrs} onChange={(attrs) => setDraft({ ...draft, attrs })} />
        <TimeRangePicker value={draft.range} onChange={(range) => apply({ ...filters, range })} />
        <div className="search-actions">
          <button
            type="button"
            className="btn"
            onClick={() => {
              setMinText('')
              setMaxText('')
              apply({ service: '', operation: '', status: '', attrs: [], range: filters.range })
            }}
          >
            Reset
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            data-testid="search-submit"
            disabled={minInvalid || maxInvalid}
          >
            Search
          </button>
        </div>
      </form>
      <TraceQLBox form={traceqlForm} range={filters.range} />

      {q.error ? (
        <div className="card">
          <ErrorState title="Search failed" error={q.error} onRetry={q.reload} />
        </div>
      ) : !q.data ? (
        <div className="card">
          <Loading label="Searching traces…" />
        </div>
      ) : q.data.length === 0 ? (
        <div className="card">
          <Empty title="No traces match">
            Nothing in {describeRange(filters.range).toLowerCase()} matches these filters. Widen the time
            range or remove a filter.
          </Empty>
        </div>
      ) : (
        <>
          <div className="card">
            <div className="card-head">
              <h2>Duration over time</h2>
              <span className="search-summary">Click a point to open its trace</span>
            </div>
            <EChart
              option={scatter}
              height={220}
              label="Trace durations over time"
              testId="trace-scatter"
              onClick={(p) => {
                const id = (p.data as { traceId?: string } | undefined)?.traceId
                if (id) navigate(`/traces/${id}`)
              }}
            />
          </div>
          <SearchCompare filters={filters} traces={q.data}>
            <div className="card">
              <div className="card-head">
                <h2>
                  {q.data.length} {q.data.length === 1 ? 'trace' : 'traces'}
                </h2>
                <span className="search-summary">
                  Newest first · {describeRange(filters.range)}
                  {q.loading && ' · refreshing…'}
                </span>
              </div>
              <TraceResults traces={q.data} picked={picks.picked} onPick={picks.toggle} />
            </div>
          </SearchCompare>
        </>
      )}
    </div>
  )
}
