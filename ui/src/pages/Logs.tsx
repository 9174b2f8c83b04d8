import { type FormEvent, useEffect, useMemo, useState } from 'react'
import { useSearchParams } from 'react-router-dom'
import { api, type LogQuery } from '../api/client'
import type { TimeRange } from '../api/types'
import { LogLine } from '../components/LogLine'
import { LogPatterns, PatternText } from '../components/LogPatterns'
import { LogVolumeChart } from '../components/LogVolumeChart'
import { ServiceSelect } from '../components/ServiceSelect'
import { Empty, ErrorState, Loading } from '../components/States'
import { TimeRangePicker } from '../components/TimeRangePicker'
import { useApi } from '../hooks/useApi'
import { LEVELS } from '../lib/levels'
import {
  describeRange,
  type LogFilters,
  type LogView,
  logFiltersToParams,
  parseLogFilters,
  rangeBounds,
} from '../lib/urlState'
import './Logs.css'

const LIVE_POLL_MS = 2000
const LIMIT = 500
const PATTERNS = 100

/** The filters as the three log routes take them (search, volume, patterns). */
function query(f: LogFilters): Omit<LogQuery, 'limit'> {
  return {
    q: f.q || undefined,
    service: f.service || undefined,
    // From the URL, so any text: the API refuses a level it does not know, naming the parameter.
    level: (f.level || undefined) as LogQuery['level'],
    traceId: f.traceId || undefined,
    pattern: f.pattern || undefined,
    range: f.range,
  }
}

/** Logs have no id; this key survives live-tail refreshes (which shift positions), so open lines stay open. */
function logKey(
  l: { timestampNs: string; service: string; spanId: string; body: string },
  seen: Map<string, number>,
): string {
  const base = `${l.timestampNs}|${l.service}|${l.spanId}|${l.body.length}`
  const n = seen.get(base) ?? 0
  seen.set(base, n + 1)
  return n ? `${base}|${n}` : base
}

export function LogsPage() {
  const [params, setParams] = useSearchParams()
  const key = params.toString()
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query string is the identity of the filters
  const filters = useMemo(() => parseLogFilters(params), [key])
  const [q, setQ] = useState(filters.q)
  const [traceId, setTraceId] = useState(filters.traceId)
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set())
  useEffect(() => {
    setQ(filters.q)
    setTraceId(filters.traceId)
  }, [filters])
  useEffect(() => {
    document.title = 'Logs · Skein'
  }, [])

  // Live tail re-asks for the newest lines of a sliding window; an absolute range cannot slide.
  const live = filters.live && 'lookback' in filters.range
  // Which lines: switching between lines and patterns asks for neither again.
  const linesKey = logFiltersToParams({ ...filters, view: 'lines' }).toString()
  const res = useApi(
    (signal) => api.logs({ ...query(filters), limit: LIMIT }, signal),
    [linesKey],
    live ? LIVE_POLL_MS : undefined,
  )
  const volume = useApi(
    (signal) => api.logVolume(query(filters), signal),
    [linesKey],
    live ? LIVE_POLL_MS : undefined,
  )
  const patterns = useApi(
    (signal) =>
      filters.view === 'patterns'
        ? api.logPatterns({ ...query(filters), limit: PATTERNS }, signal)
        : Promise.resolve(undefined),
    [linesKey, filters.view],
  )

  const seen = new Map<string, number>()
  const apply = (patch: Partial<LogFilters>) => setParams(logFiltersToParams({ ...filters, ...patch }))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    apply({ q, traceId: traceId.trim().toLowerCase() })
  }
  const zoom = (range: TimeRange) => apply({ range, live: false })
  const showPattern = (pattern: string) => apply({ pattern, view: 'lines' })
  const setView = (view: LogView) => apply({ view })

  return (
    <div className="page" data-testid="logs-page">
      <div className="page-head">
        <div>
          <h1>Logs</h1>
          <p>Every service's log lines, joined to their traces by trace id.</p>
        </div>
      </div>
      <form className="card filters logs-form" onSubmit={submit}>
        <label className="field">
          <span>Search text</span>
          <input
            className="input input-q"
            type="search"
            placeholder="timeout, order 42, …"
            value={q}
            data-testid="logs-q"
            onChange={(e) => setQ(e.target.value)}
          />
        </label>
        <ServiceSelect
          value={filters.service}
          range={filters.range}
          onChange={(service) => apply({ service })}
        />
        <label className="field">
          <span>Minimum level</span>
          <select className="select" value={filters.level} onChange={(e) => apply({ level: e.target.value })}>
            <option value="">Any</option>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Trace id</span>
          <input
            className="input mono"
            style={{ width: 280 }}
            placeholder="32 hex characters"
            value={traceId}
            onChange={(e) => setTraceId(e.target.value)}
          />
        </label>
        <TimeRangePicker
          value={filters.range}
          onChange={(range) => apply({ range, live: filters.live && 'lookback' in range })}
        />
        <button type="submit" className="btn btn-primary">
          Search
        </button>
        <button
          type="button"
          className={`btn logs-live ${live ? 'btn-on' : ''}`}
          aria-pressed={live}
          data-testid="live-tail"
          disabled={!('lookback' in filters.range)}
          title={
            'lookback' in filters.range ? 'Refresh every 2 seconds' : 'Live tail needs a relative time range'
          }
          onClick={() => apply({ live: !filters.live })}
        >
          {live && <span className="live-dot" />}
          {live ? 'Live' : 'Live tail'}
        </button>
      </form>

      {filters.pattern && (
        <div className="card logs-pattern-filter" data-testid="pattern-filter">
          <span className="muted">Lines of the pattern</span>
          <span className="logs-pattern-text">
            <PatternText pattern={filters.pattern} />
          </span>
          <button
            type="button"
            className="btn btn-sm"
            data-testid="pattern-filter-clear"
            onClick={() => apply({ pattern: '' })}
          >
            Clear
          </button>
        </div>
      )}

      <div className="card">
        <div className="card-head">
          <h2>Volume</h2>
          <span className="muted">
            {volume.data
              ? `${volume.data.total.toLocaleString('en-US')} lines · ${volume.data.step} buckets`
              : describeRange(filters.range)}
          </span>
        </div>
        {volume.error ? (
          <ErrorState title="Could not load the log volume" error={volume.error} onRetry={volume.reload} />
        ) : !volume.data ? (
          <Loading label="Loading the log volume…" />
        ) : (
          <LogVolumeChart answer={volume.data} bounds={rangeBounds(filters.range)} onZoom={zoom} />
        )}
      </div>

      <div className="card">
        <div className="card-head">
          <fieldset className="logs-views" aria-label="View">
            <button
              type="button"
              className={`btn btn-sm ${filters.view === 'lines' ? 'btn-on' : ''}`}
              aria-pressed={filters.view === 'lines'}
              data-testid="view-lines"
              onClick={() => setView('lines')}
            >
              {res.data ? `${res.data.length}${res.data.length >= LIMIT ? '+' : ''} lines` : 'Lines'}
            </button>
            <button
              type="button"
              className={`btn btn-sm ${filters.view === 'patterns' ? 'btn-on' : ''}`}
              aria-pressed={filters.view === 'patterns'}
              data-testid="view-patterns"
              onClick={() => setView('patterns')}
            >
              Patterns
            </button>
          </fieldset>
          <span className="muted">
            {filters.view === 'lines' ? 'Newest first' : 'Most frequent first'} ·{' '}
            {describeRange(filters.range)}
            {live && ' · live'}
          </span>
        </div>
        {filters.view === 'patterns' ? (
          patterns.error ? (
            <ErrorState title="Could not load patterns" error={patterns.error} onRetry={patterns.reload} />
          ) : !patterns.data ? (
            <Loading label="Grouping lines into patterns…" />
          ) : patterns.data.patterns.length === 0 ? (
            <Empty title="No log lines match">Try a wider time range, a lower level, or fewer words.</Empty>
          ) : (
            <LogPatterns answer={patterns.data} onSelect={showPattern} />
          )
        ) : res.error ? (
          <ErrorState title="Could not load logs" error={res.error} onRetry={res.reload} />
        ) : !res.data ? (
          <Loading label="Loading logs…" />
        ) : res.data.length === 0 ? (
          <Empty title="No log lines match">Try a wider time range, a lower level, or fewer words.</Empty>
        ) : (
          <div className="logs-list" data-testid="logs-list">
            {res.data.map((log) => {
              const k = logKey(log, seen)
              return (
                <LogLine
                  key={k}
                  log={log}
                  open={open.has(k)}
                  onPattern={showPattern}
                  onToggle={() =>
                    setOpen((prev) => {
                      const next = new Set(prev)
                      if (next.has(k)) next.delete(k)
                      else next.add(k)
                      return next
                    })
                  }
                />
              )
            })}
          </div>
        )}
      </div>
    </div>
  )
}
