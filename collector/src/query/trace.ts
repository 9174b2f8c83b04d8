/**
 * A trace by id, with its logs. Reads the trace's time bounds from `otel_traces_trace_id_ts` first and
 * then scans only that window of `otel_traces`; logs are found by TraceId within the trace's own bounds
 * widened by a margin (never a window around "now").
 */
import { skeinError } from '../errors.js'
import type { Db } from './db.js'
import { type LogRowOut, LOG_SELECT, logOut, SPAN_SELECT, type SpanRowOut, spanOut } from './shapes.js'
import { p, sql, trusted } from './sql.js'

/** Most spans returned for one trace; the UI virtualizes, but the wire and the heap need a bound. */
export const MAX_TRACE_SPANS = 100_000
export const MAX_TRACE_LOGS = 20_000
/** Logs may be written a little before or after their trace's spans (clock skew, async work). */
export const LOG_MARGIN_SECONDS = 300

export async function getTrace(db: Db, traceId: string) {
  const [bounds] = await db.rows<{ s: number; e: number; n: string }>(sql`
    SELECT toUnixTimestamp(min(Start)) AS s, toUnixTimestamp(max(End)) AS e, count() AS n
    FROM ${db.table('otel_traces_trace_id_ts')} WHERE TraceId = ${p.String(traceId)}`)
  if (!bounds || Number(bounds.n) === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  const fromNs = BigInt(bounds.s) * 1_000_000_000n
  const toNs = (BigInt(bounds.e) + 1n) * 1_000_000_000n
  const spans = await db.rows<SpanRowOut>(sql`
    SELECT ${trusted(SPAN_SELECT)} FROM ${db.table('otel_traces')}
    WHERE TraceId = ${p.String(traceId)}
      AND Timestamp >= fromUnixTimestamp64Nano(${p.Int64(fromNs)})
      AND Timestamp < fromUnixTimestamp64Nano(${p.Int64(toNs)})
    ORDER BY Timestamp, SpanId
    LIMIT ${p.UInt32(MAX_TRACE_SPANS)}`)
  if (spans.length === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  let endNs = 0n
  for (const s of spans) {
    const e = BigInt(s.startNs) + BigInt(s.durationNs)
    if (e > endNs) endNs = e
  }
  const logFrom = Number(bounds.s) - LOG_MARGIN_SECONDS
  const logTo = Number(endNs / 1_000_000_000n) + 1 + LOG_MARGIN_SECONDS
  const logs = await db.rows<LogRowOut>(sql`
    SELECT ${trusted(LOG_SELECT)} FROM ${db.table('otel_logs')}
    WHERE TraceId = ${p.String(traceId)}
      AND TimestampTime >= toDateTime(${p.Int64(logFrom)})
      AND TimestampTime <= toDateTime(${p.Int64(logTo)})
    ORDER BY Timestamp
    LIMIT ${p.UInt32(MAX_TRACE_LOGS)}`)
  return {
    traceId,
    truncated: spans.length >= MAX_TRACE_SPANS,
    spans: spans.map(spanOut),
    logs: logs.map(logOut),
  }
}
