import { isErrorStatus } from '@skein/model/tree'
import { type FormEvent, useEffect, useMemo, useState } from 'react'
import { Link, useSearchParams } from 'react-router-dom'
import { api } from '../api/client'
import { EChart } from '../components/EChart'
import { OperationSelect } from '../components/OperationSelect'
import { OperationsTable, opKey } from '../components/OperationsTable'
import { ServiceSelect } from '../components/ServiceSelect'
import { ServiceTag } from '../components/ServiceTag'
import { Empty, ErrorState, Loading } from '../components/States'
import { TimeRangePicker } from '../components/TimeRangePicker'
import { useApi } from '../hooks/useApi'
import { histogramOption } from '../lib/charts'
import { dateFromNs, formatDateTime, formatDurationMs } from '../lib/format'
import { histogram, percentile } from '../lib/histogram'
import { describeRange, parseSlowFilters, type SlowFilters, slowFiltersToParams } from '../lib/urlState'
import './Slow.css'

const HIST_SAMPLE = 1000

export function SlowPage() {
  const [params, setParams] = useSearchParams()
  const key = params.toString()
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query string is the identity of the filters
  const filters = useMemo(() => parseSlowFilters(params), [key])
  const [draft, setDraft] = useState<SlowFilters>(filters)
  const [minText, setMinText] = useState(filters.minDurationMs?.toString() ?? '')
  useEffect(() => {
    setDraft(filters)
    setMinText(filters.minDurationMs?.toString() ?? '')
  }, [filters])
  useEffect(() => {
    document.title = 'Slow spans · Skein'
  }, [])

  const rangeKey = JSON.stringify(filters.range)
  const histService = params.get('hs') ?? (filters.operation ? filters.service : '')
  const histOp = params.get('ho') ?? (filters.service ? filters.operation : '')

  const slow = useApi(
    (signal) =>
      api.slowSpans(
        {
          service: filters.service || undefined,
          operation: filters.operation || undefined,
          minDurationMs: filters.minDurationMs,
          limit: 100,
          range: filters.range,
        },
        signal,
      ),
    [key],
  )
  const latency = useApi(
    (signal) =>
      api.operationsLatency({ service: filters.service || undefined, range: filters.range }, signal),
    [filters.service, rangeKey],
  )
  const hist = useApi(
    (signal) =>
      histService && histOp
        ? api.slowSpans(
            { service: histService, operation: histOp, limit: HIST_SAMPLE, range: filters.range },
            signal,
          )
        : Promise.resolve(undefined),
    [histService, histOp, rangeKey],
  )
  const durations = useMemo(() => (hist.data ?? []).map((s) => s.durationMs), [hist.data])
  const histOption = useMemo(() => histogramOption(histogram(durations, 24)), [durations])

  const apply = (next: SlowFilters) => setParams(slowFiltersToParams(next, new URLSearchParams()))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const n = Number(minText)
    apply({ ...draft, minDurationMs: minText.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : undefined })
  }
  const chooseHist = (service: string, name: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev)
      next.set('hs', service)
      next.set('ho', name)
      return next
    })

  const maxDur = Math.max(0, ...(slow.data ?? []).map((s) => s.durationMs))

  return (
    <div className="page" data-testid="slow-page">
      <div className="page-head">
        <div>
          <h1>Slow spans</h1>
          <p>
            The slowest operations, their latency percentiles, and how an operation's latency is distributed.
          </p>
        </div>
      </div>
      <form className="card filters" onSubmit={submit}>
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
        <label className="field">
          <span>Min span duration (ms)</span>
          <input
            className="input mono"
            style={{ width: 120 }}
            inputMode="decimal"
            value={minText}
            onChange={(e) => setMinText(e.target.value)}
          />
        </label>
        <TimeRangePicker value={draft.range} onChange={(range) => apply({ ...filters, range })} />
        <button type="submit" className="btn btn-primary">
          Apply
        </button>
      </form>

      <div className="grid-2">
        <div className="card">
          <div className="card-head">
            <h2>Slowest spans</h2>
            <span className="muted">{describeRange(filters.range)}</span>
          </div>
          {slow.error ? (
            <ErrorState error={slow.error} title="Could not load slow spans" onRetry={slow.reload} />
          ) : !slow.data ? (
            <Loading />
          ) : slow.data.length === 0 ? (
            <Empty title="No spans match">Lower the minimum duration or widen the time range.</Empty>
          ) : (
            <div className="slow-table-wrap">
              <table className="table" data-testid="slow-spans">
                <thead>
                  <tr>
                    <th>Service</th>
                    <th>Operation</th>
                    <th className="num">Duration</th>
                    <th>When</th>
                  </tr>
                </thead>
                <tbody>
                  {slow.data.map((s) => {
                    const err = isErrorStatus(s.statusCode)
                    return (
                      <tr key={`${s.traceId}-${s.spanId}`} data-testid="slow-span-row">
                        <td>
                          <ServiceTag name={s.service} />
                        </td>
                        <td className="slow-op" title={s.name}>
                          <Link to={`/traces/${s.traceId}?span=${encodeURIComponent(s.spanId)}`}>
                            {s.name}
                          </Link>
                          {err && (
                            <span className="badge badge-error" style={{ marginLeft: 6 }}>
                              error
                            </span>
                          )}
                        </td>
                        <td className="num">
                          <div className="slow-dur-cell">
                            <span className="mono">{formatDurationMs(s.durationMs)}</span>
                            <div className="slow-dur-track">
                              <div
                                className={`slow-dur-bar ${err ? 'is-error' : ''}`}
                                style={{ width: `${maxDur ? (s.durationMs / maxDur) * 100 : 0}%` }}
                              />
                            </div>
                          </div>
                        </td>
                        <td className="mono muted">{formatDateTime(dateFromNs(s.startNs))}</td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
        </div>

        <div className="card">
          <div className="card-head">
            <h2>Latency histogram</h2>
            {histService && histOp ? (
              <span className="ellipsis" style={{ maxWidth: '60%' }} title={`${histService}: ${histOp}`}>
                <ServiceTag name={histService} /> {histOp}
              </span>
            ) : null}
          </div>
          {!histService || !histOp ? (
            <Empty title="Pick an operation">
              Choose a service and operation above, or click a row in the latency table.
            </Empty>
          ) : hist.error ? (
            <ErrorState error={hist.error} title="Could not load spans" onRetry={hist.reload} />
          ) : !hist.data ? (
            <Loading />
          ) : hist.data.length === 0 ? (
            <Empty title="No spans for this operation in range" />
          ) : (
            <>
              <EChart option={histOption} height={260} label="Latency histogram" testId="latency-histogram" />
              <div className="hist-stats">
                <span>
                  spans <b>{hist.data.length}</b>
                  {hist.data.length >= HIST_SAMPLE && ' (the slowest only)'}
                </span>
                <span>
                  p50 <b>{formatDurationMs(percentile(durations, 50))}</b>
                </span>
                <span>
                  p95 <b>{formatDurationMs(percentile(durations, 95))}</b>
                </span>
                <span>
                  max <b>{formatDurationMs(percentile(durations, 100))}</b>
                </span>
              </div>
            </>
          )}
        </div>
      </div>

      <div className="card">
        <div className="card-head">
          <h2>Latency by operation</h2>
          <span className="muted">Click a column to sort, a row to see its histogram</span>
        </div>
        {latency.error ? (
          <ErrorState
            error={latency.error}
            title="Could not load operation latency"
            onRetry={latency.reload}
          />
        ) : !latency.data ? (
          <Loading />
        ) : latency.data.length === 0 ? (
          <Empty title="No operations in this range" />
        ) : (
          <OperationsTable
            operations={latency.data}
            selected={histService && histOp ? opKey({ service: histService, name: histOp }) : undefined}
            onSelect={(o) => chooseHist(o.service, o.name)}
          />
        )}
      </div>
    </div>
  )
}
