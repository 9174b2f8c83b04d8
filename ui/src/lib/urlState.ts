import type { TimeRange } from '../api/types'
import { FULL_VIEW, isFullView, normalizeView, type ViewWindow } from './scale'

export const DEFAULT_LOOKBACK = '1h'

export const LOOKBACK_PRESETS: ReadonlyArray<{ value: string; label: string }> = [
  { value: '5m', label: 'Last 5 minutes' },
  { value: '15m', label: 'Last 15 minutes' },
  { value: '1h', label: 'Last 1 hour' },
  { value: '6h', label: 'Last 6 hours' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
]

const LOOKBACK_RE = /^(\d{1,6})(s|m|h|d|w)$/
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }

export function lookbackMs(lookback: string): number | undefined {
  const m = LOOKBACK_RE.exec(lookback)
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined
}

function parseInstant(value: string | null): Date | undefined {
  if (!value) return undefined
  const d = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d
}

/** `start`+`end` win when both parse and are ordered; else a valid `lookback`; else the API default. */
export function parseTimeRange(p: URLSearchParams): TimeRange {
  const start = parseInstant(p.get('start'))
  const end = parseInstant(p.get('end'))
  if (start && end && start < end) return { start: start.toISOString(), end: end.toISOString() }
  const lookback = p.get('lookback')
  if (lookback && lookbackMs(lookback) !== undefined) return { lookback }
  return { lookback: DEFAULT_LOOKBACK }
}

export function writeTimeRange(p: URLSearchParams, range: TimeRange): void {
  p.delete('lookback')
  p.delete('start')
  p.delete('end')
  if ('lookback' in range) {
    if (range.lookback !== DEFAULT_LOOKBACK) p.set('lookback', range.lookback)
  } else {
    p.set('start', range.start)
    p.set('end', range.end)
  }
}

export function describeRange(range: TimeRange): string {
  if ('lookback' in range) {
    const preset = LOOKBACK_PRESETS.find((x) => x.value === range.lookback)
    return preset ? preset.label : `Last ${range.lookback}`
  }
  const f = (iso: string) => iso.replace('T', ' ').replace(/:\d\d\.\d+Z$/, 'Z')
  return `${f(range.start)} → ${f(range.end)}`
}

/** The concrete [from, to] in ms that a range covers right now (for chart axes). */
export function rangeBounds(range: TimeRange, now = Date.now()): [number, number] {
  if ('lookback' in range) return [now - (lookbackMs(range.lookback) ?? 3600e3), now]
  return [Date.parse(range.start), Date.parse(range.end)]
}

function num(p: URLSearchParams, key: string): number | undefined {
  const v = p.get(key)
  if (v === null || v.trim() === '') return undefined
  const n = Number(v)
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

function str(p: URLSearchParams, key: string): string {
  return p.get(key)?.trim() ?? ''
}

function setOrDelete(p: URLSearchParams, key: string, value: string | number | undefined | boolean): void {
  if (value === undefined || value === '' || value === false) p.delete(key)
  else p.set(key, value === true ? '1' : String(value))
}

export type StatusFilter = '' | 'error' | 'ok' | 'unset'

export interface SearchFilters {
  service: string
  operation: string
  minDurationMs?: number
  maxDurationMs?: number
  status: StatusFilter
  attrs: string[]
  limit?: number
  range: TimeRange
}

export function parseSearchFilters(p: URLSearchParams): SearchFilters {
  const status = str(p, 'status')
  return {
    service: str(p, 'service'),
    operation: str(p, 'operation'),
    minDurationMs: num(p, 'minDurationMs'),
    maxDurationMs: num(p, 'maxDurationMs'),
    status: status === 'error' || status === 'ok' || status === 'unset' ? status : '',
    attrs: p.getAll('attr').filter((a) => isAttrFilter(a)),
    limit: num(p, 'limit'),
    range: parseTimeRange(p),
  }
}

export function searchFiltersToParams(f: SearchFilters): URLSearchParams {
  const p = new URLSearchParams()
  setOrDelete(p, 'service', f.service)
  setOrDelete(p, 'operation', f.service ? f.operation : '')
  setOrDelete(p, 'minDurationMs', f.minDurationMs)
  setOrDelete(p, 'maxDurationMs', f.maxDurationMs)
  setOrDelete(p, 'status', f.status)
  for (const a of f.attrs) p.append('attr', a)
  setOrDelete(p, 'limit', f.limit)
  writeTimeRange(p, f.range)
  return p
}

/** `key=value` with a non-empty key; the value may itself contain `=`. */
export function isAttrFilter(s: string): boolean {
  const i = s.indexOf('=')
  return i > 0 && s.slice(0, i).trim().length > 0
}

export type LogView = 'lines' | 'patterns'

export interface LogFilters {
  q: string
  service: string
  level: string
  traceId: string
  /** A template from the patterns view, taken as it is (spaces are part of it). */
  pattern: string
  view: LogView
  live: boolean
  range: TimeRange
}

export function parseLogFilters(p: URLSearchParams): LogFilters {
  return {
    q: p.get('q') ?? '',
    service: str(p, 'service'),
    level: str(p, 'level'),
    traceId: str(p, 'traceId'),
    pattern: p.get('pattern') ?? '',
    view: p.get('view') === 'patterns' ? 'patterns' : 'lines',
    live: p.get('live') === '1',
    range: parseTimeRange(p),
  }
}

export function logFiltersToParams(f: LogFilters): URLSearchParams {
  const p = new URLSearchParams()
  setOrDelete(p, 'q', f.q)
  setOrDelete(p, 'service', f.service)
  setOrDelete(p, 'level', f.level)
  setOrDelete(p, 'traceId', f.traceId)
  setOrDelete(p, 'pattern', f.pattern)
  setOrDelete(p, 'view', f.view === 'lines' ? '' : f.view)
  setOrDelete(p, 'live', f.live)
  writeTimeRange(p, f.range)
  return p
}

export interface SlowFilters {
  service: string
  operation: string
  minDurationMs?: number
  range: TimeRange
}

export function parseSlowFilters(p: URLSearchParams): SlowFilters {
  return {
    service: str(p, 'service'),
    operation: str(p, 'operation'),
    minDurationMs: num(p, 'minDurationMs'),
    range: parseTimeRange(p),
  }
}

export function slowFiltersToParams(f: SlowFilters, keep?: URLSearchParams): URLSearchParams {
  const p = new URLSearchParams(keep)
  setOrDelete(p, 'service', f.service)
  setOrDelete(p, 'operation', f.service ? f.operation : '')
  setOrDelete(p, 'minDurationMs', f.minDurationMs)
  writeTimeRange(p, f.range)
  return p
}

/** Replaces only the time range in an existing query string, keeping every other filter. */
export function withRange(p: URLSearchParams, range: TimeRange): URLSearchParams {
  const next = new URLSearchParams(p)
  writeTimeRange(next, range)
  return next
}

/** What the trace page keeps in its URL, so that a reload or a shared link shows the same view. */
export interface TraceViewState {
  /** The selected span. */
  span?: string
  /** Critical path highlighted. */
  cp: boolean
  /** The zoomed-in window of the time axis (the whole trace by default). */
  view: ViewWindow
  /** Search inside the trace. */
  q: string
  errorsOnly: boolean
  criticalOnly: boolean
  minDurationMs?: number
  /** Ask for the compact form whatever the trace's size. */
  compact: boolean
}

const TRACE_KEYS = {
  span: 'span',
  cp: 'cp',
  view: 'view',
  q: 'q',
  errorsOnly: 'errors',
  criticalOnly: 'cponly',
  minDurationMs: 'minms',
  compact: 'compact',
} as const satisfies Record<keyof TraceViewState, string>

/** `view=0.25-0.5`: the window's edges as fractions of the trace; anything else is the whole trace. */
export function parseView(value: string | null): ViewWindow {
  const m = value ? /^(\d*\.?\d+(?:e-?\d+)?)-(\d*\.?\d+(?:e-?\d+)?)$/i.exec(value) : null
  return m ? normalizeView(Number(m[1]), Number(m[2])) : FULL_VIEW
}

export function formatView(v: ViewWindow): string | undefined {
  if (isFullView(v)) return undefined
  const f = (x: number) => String(Number(x.toFixed(9)))
  return `${f(v.start)}-${f(v.end)}`
}

export function parseTraceViewState(p: URLSearchParams): TraceViewState {
  const span = p.get(TRACE_KEYS.span)
  return {
    span: span ? span : undefined,
    cp: p.get(TRACE_KEYS.cp) === '1',
    view: parseView(p.get(TRACE_KEYS.view)),
    q: p.get(TRACE_KEYS.q) ?? '',
    errorsOnly: p.get(TRACE_KEYS.errorsOnly) === '1',
    criticalOnly: p.get(TRACE_KEYS.criticalOnly) === '1',
    minDurationMs: num(p, TRACE_KEYS.minDurationMs) || undefined,
    compact: p.get(TRACE_KEYS.compact) === '1',
  }
}

/** The URL's parameters with `change` applied; other parameters are kept, defaults are left out. */
export function withTraceViewState(p: URLSearchParams, change: Partial<TraceViewState>): URLSearchParams {
  const next = new URLSearchParams(p)
  for (const key of Object.keys(change) as (keyof TraceViewState)[]) {
    const value = change[key]
    setOrDelete(next, TRACE_KEYS[key], key === 'view' ? formatView(value as ViewWindow) : (value as string))
  }
  return next
}
