/**
 * Pure functions of the comparison views: what a selection is (from the URL), the duration band drawn on
 * the search page, the links each ranked row leads to, and the rows of a trace diff's waterfall.
 */
import type { CompareParams } from '../api/client'
import type { DiffEntry, TimeRange, TraceDiffAnswer, TraceSummary } from '../api/types'
import { logFiltersToParams, type SearchFilters, searchFiltersToParams } from './urlState'

/** A band of durations (ms) or the failing requests: what the search page compares with the rest. */
export type Band = { minMs: number; maxMs: number } | 'errors'

/** The band in the search page's URL: `cmp=errors`, or `cmpMin` and `cmpMax` (ms). */
export function bandFromParams(p: URLSearchParams): Band | undefined {
  if (p.get('cmp') === 'errors') return 'errors'
  const min = Number(p.get('cmpMin'))
  const max = Number(p.get('cmpMax'))
  if (p.get('cmpMin') === null || p.get('cmpMax') === null) return undefined
  if (!Number.isFinite(min) || !Number.isFinite(max) || min < 0 || max <= min) return undefined
  return { minMs: min, maxMs: max }
}

export function withBand(p: URLSearchParams, band: Band | undefined): URLSearchParams {
  const next = new URLSearchParams(p)
  for (const k of ['cmp', 'cmpMin', 'cmpMax']) next.delete(k)
  if (band === 'errors') next.set('cmp', 'errors')
  else if (band) {
    next.set('cmpMin', String(band.minMs))
    next.set('cmpMax', String(band.maxMs))
  }
  return next
}

/** The service whose requests are compared: the one searched for, else the commonest root service. */
export function comparedService(
  filters: Pick<SearchFilters, 'service'>,
  traces: readonly TraceSummary[],
): string {
  if (filters.service) return filters.service
  const counts = new Map<string, number>()
  for (const t of traces) counts.set(t.rootService, (counts.get(t.rootService) ?? 0) + 1)
  let best = ''
  let n = 0
  for (const [s, c] of counts) if (c > n || (c === n && s < best)) [best, n] = [s, c]
  return best
}

/** The /compare request of a band over the searched service (and operation). */
export function bandSelection(
  service: string,
  operation: string,
  band: Band,
  range: TimeRange,
): CompareParams {
  const selection =
    band === 'errors'
      ? { status: 'error' as const }
      : { minDurationMs: band.minMs, maxDurationMs: band.maxMs }
  return { service, ...(operation ? { operation } : {}), ...selection, range }
}

/** The /compare request written in a URL (the compare page; alert links): search's parameter names. */
export function selectionFromFilters(f: SearchFilters): CompareParams | undefined {
  if (!f.service) return undefined
  const has = f.minDurationMs !== undefined || f.maxDurationMs !== undefined || f.status || f.attrs.length
  if (!has) return undefined
  return {
    service: f.service,
    ...(f.operation ? { operation: f.operation } : {}),
    ...(f.minDurationMs !== undefined ? { minDurationMs: f.minDurationMs } : {}),
    ...(f.maxDurationMs !== undefined ? { maxDurationMs: f.maxDurationMs } : {}),
    ...(f.status ? { status: f.status } : {}),
    ...(f.attrs.length ? { attr: f.attrs } : {}),
    range: f.range,
  }
}

/** Link to the compare page for a selection. */
export function compareLink(s: CompareParams): string {
  const p = searchFiltersToParams({
    service: s.service,
    operation: s.operation ?? '',
    minDurationMs: s.minDurationMs,
    maxDurationMs: s.maxDurationMs,
    status: s.status ?? '',
    attrs: s.attr ?? [],
    range: s.range,
  })
  return `/compare?${p}`
}

const search = (f: Partial<SearchFilters> & { range: TimeRange }) =>
  `/search?${searchFiltersToParams({ service: '', operation: '', status: '', attrs: [], ...f })}`

/** A ranked attribute → the search for the service's traces with it. */
export function attributeLink(service: string, key: string, value: string, range: TimeRange): string {
  return search({ service, attrs: [`${key}=${value}`], range })
}

/** A ranked operation → the search for traces with a span of it. */
export function operationLink(service: string, name: string, range: TimeRange): string {
  return search({ service, operation: name, range })
}

/** A ranked log pattern → the log lines of that pattern. */
export function patternLink(pattern: string, range: TimeRange): string {
  return `/logs?${logFiltersToParams({ q: '', service: '', level: '', traceId: '', pattern, view: 'lines', live: false, range })}`
}

/** Share (0..1) → a bar width in percent, a sliver for anything above 0 so it shows. */
export function barWidth(share: number): number {
  if (!Number.isFinite(share) || share <= 0) return 0
  return Math.max(1, Math.min(100, share * 100))
}

export interface Histogram {
  maxMs: number
  counts: number[]
}

/** Durations in `buckets` equal buckets from 0 to the largest (rounded up to a whole ms). */
export function durationHistogram(durationsMs: readonly number[], buckets = 40): Histogram {
  const maxMs = Math.max(1, Math.ceil(Math.max(0, ...durationsMs.filter(Number.isFinite))))
  const counts = new Array<number>(buckets).fill(0)
  for (const d of durationsMs) {
    if (!Number.isFinite(d) || d < 0) continue
    counts[Math.min(buckets - 1, Math.floor((d / maxMs) * buckets))]++
  }
  return { maxMs, counts }
}

/** A drag from x0 to x1 (pixels, either order) over a chart `width` wide showing 0..maxMs. */
export function bandFromDrag(x0: number, x1: number, width: number, maxMs: number): Band | undefined {
  if (width <= 0) return undefined
  const clamp = (x: number) => Math.max(0, Math.min(width, x))
  const [a, b] = [clamp(Math.min(x0, x1)), clamp(Math.max(x0, x1))]
  if (b - a < 3) return undefined
  const minMs = Math.floor((a / width) * maxMs)
  const maxBand = Math.ceil((b / width) * maxMs)
  return maxBand > minMs ? { minMs, maxMs: maxBand } : undefined
}

/** Where a band sits on the chart, as fractions 0..1. */
export function bandFractions(band: { minMs: number; maxMs: number }, maxMs: number): [number, number] {
  const f = (x: number) => Math.max(0, Math.min(1, x / maxMs))
  return [f(band.minMs), f(band.maxMs)]
}

/** The traces picked for a diff, in the URL (`pick`, at most two, in picking order). */
export function pickedFromParams(p: URLSearchParams): string[] {
  return p
    .getAll('pick')
    .filter((id) => /^[0-9a-f]{32}$/.test(id))
    .slice(0, 2)
}

/** Toggles a trace in the picked pair; a third pick replaces the older one. */
export function togglePick(picked: readonly string[], id: string): string[] {
  if (picked.includes(id)) return picked.filter((x) => x !== id)
  return [...picked, id].slice(-2)
}

export function withPicked(p: URLSearchParams, picked: readonly string[]): URLSearchParams {
  const next = new URLSearchParams(p)
  next.delete('pick')
  for (const id of picked) next.append('pick', id)
  return next
}

/** A diff entry as a waterfall row: each side's bar as fractions of the longer trace. */
export interface DiffRow {
  entry: DiffEntry
  label: string
  a?: { left: number; width: number }
  b?: { left: number; width: number }
}

export function diffRows(d: TraceDiffAnswer): DiffRow[] {
  let end = 0
  for (const e of d.spans) {
    for (const s of [e.a, e.b]) if (s) end = Math.max(end, s.offsetMs + s.durationMs)
  }
  const bar = (s: DiffEntry['a']) =>
    s && end > 0 ? { left: s.offsetMs / end, width: Math.max(0.002, s.durationMs / end) } : undefined
  return d.spans.map((entry) => ({
    entry,
    label: entry.path[entry.path.length - 1] ?? '',
    a: bar(entry.a),
    b: bar(entry.b),
  }))
}

/** "+780 ms", "−3.2 ms", or "" when one side is missing. */
export function deltaText(deltaMs: number | null): string {
  if (deltaMs === null || !Number.isFinite(deltaMs)) return ''
  const abs = Math.abs(deltaMs)
  const v =
    abs >= 1000
      ? `${(abs / 1000).toFixed(2)} s`
      : abs >= 10
        ? `${Math.round(abs)} ms`
        : `${abs.toFixed(1)} ms`
  return `${deltaMs < 0 ? '−' : '+'}${v}`
}
