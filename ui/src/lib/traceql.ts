/**
 * The TraceQL box's pure parts: the search form's filters as the model's TraceQL form (so the box shows
 * the form's query), the Tempo search range in Unix seconds, and Tempo's search answer as the trace rows
 * the results list draws.
 */
import type { TempoTrace, TraceSearchForm } from '@skein/model'
import type { TraceSummary } from '../api/types'
import type { SearchFilters } from './urlState'

export function formOfFilters(f: SearchFilters): TraceSearchForm {
  return {
    service: f.service || undefined,
    operation: f.operation || undefined,
    status: f.status || undefined,
    attrs: f.attrs,
    minDurationMs: f.minDurationMs,
    maxDurationMs: f.maxDurationMs,
  }
}

/** Tempo takes whole Unix seconds; the end is rounded up so the range's last spans are in. */
export function tempoSeconds([startMs, endMs]: [number, number]): { start: number; end: number } {
  return { start: Math.floor(startMs / 1000), end: Math.ceil(endMs / 1000) }
}

export interface TraceQLRow extends TraceSummary {
  /** How many spans of the trace the query matched. */
  matched: number
}

export function tempoRows(traces: readonly TempoTrace[]): TraceQLRow[] {
  return traces.map((t) => {
    const stats = Object.entries(t.serviceStats ?? {})
    const startMs = Number(BigInt(t.startTimeUnixNano) / 1_000_000n)
    return {
      traceId: t.traceID,
      rootService: t.rootServiceName,
      rootName: t.rootTraceName,
      startNs: t.startTimeUnixNano,
      start: new Date(startMs).toISOString(),
      durationNs: String(t.durationMs * 1_000_000),
      durationMs: t.durationMs,
      spanCount: stats.reduce((n, [, s]) => n + s.spanCount, 0),
      errorCount: stats.reduce((n, [, s]) => n + (s.errorCount ?? 0), 0),
      services: stats.map(([name]) => name).sort(),
      matched: t.spanSets?.[0]?.matched ?? 0,
    }
  })
}
