import { parseNs, type RowSpan, type SpanTree } from '@skein/model/tree'
import type { LogRecord } from '../api/types'
import { type Level, levelOf } from './levels'

export interface TraceLog {
  log: LogRecord
  index: number
  /** Nanoseconds from the trace start (may be negative: a log written before the first span started). */
  offsetNs: number
  level: Level
  /** The span in this trace that wrote it, if any. */
  spanNodeId: string | undefined
}

export interface LogMarker {
  /** Where on the trace's time axis, 0..1. */
  fraction: number
  level: Level
  logIndex: number
}

export interface TraceLogs {
  logs: TraceLog[]
  /** Log indices per span id, in time order. */
  bySpan: Map<string, number[]>
  markers: Map<string, LogMarker[]>
}

/**
 * Joins a trace's logs to its spans: each log's offset on the trace's axis, the indices of each span's logs
 * (to highlight and scroll to them) and markers for the span bars. Logs are put in time order whatever
 * order they arrived in.
 */
export function mapLogsToSpans(tree: SpanTree<RowSpan>, logs: readonly LogRecord[]): TraceLogs {
  const decorated = logs.map((log, i) => ({ log, i, ns: parseNs(log.timestampNs) }))
  decorated.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : a.i - b.i))
  const out: TraceLog[] = []
  const bySpan = new Map<string, number[]>()
  const markers = new Map<string, LogMarker[]>()
  const total = tree.durationNs
  for (const d of decorated) {
    const node = d.log.spanId ? tree.byId.get(d.log.spanId) : undefined
    // Offsets follow the span's skew correction, so a marker sits where its span is drawn.
    const offsetNs = Number(d.ns - tree.startNs) + (node?.skewNs ?? 0)
    const level = levelOf(d.log.severityNumber, d.log.severityText)
    const index = out.length
    out.push({ log: d.log, index, offsetNs, level, spanNodeId: node?.id })
    if (node) {
      const list = bySpan.get(node.id)
      if (list) list.push(index)
      else bySpan.set(node.id, [index])
      const fraction = total > 0 ? Math.min(1, Math.max(0, offsetNs / total)) : 0
      const m = markers.get(node.id)
      const marker = { fraction, level, logIndex: index }
      if (m) m.push(marker)
      else markers.set(node.id, [marker])
    }
  }
  return { logs: out, bySpan, markers }
}
