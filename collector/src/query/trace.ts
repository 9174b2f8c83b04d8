/**
 * A trace by id, with its logs. Reads the trace's time bounds from `otel_traces_trace_id_ts` first and
 * then scans only that window of `otel_traces`; logs are found by TraceId within the trace's own bounds
 * widened by a margin (never a window around "now").
 */
import type { TraceAnswer } from '@skein/model'
import { skeinError } from '../errors.js'
import type { Db } from './db.js'
import { LOG_SELECT, type LogRowOut, logOut, SPAN_SELECT, type SpanRowOut, spanOut } from './shapes.js'
import { p, sql, trusted } from './sql.js'

/** Most spans returned for one trace; the UI virtualizes, but the wire and the heap need a bound. */
export const MAX_TRACE_SPANS = 100_000
export const MAX_TRACE_LOGS = 20_000
/** Logs may be written a little before or after their trace's spans (clock skew, async work). */
export const LOG_MARGIN_SECONDS = 300
/**
 * The lookup table's End is the last span's start, not its end: logs are looked for up to this long
 * after it, which covers spans of up to an hour. Wide windows cost little: the TraceId bloom filter
 * does the skipping.
 */
export const LOG_TAIL_SECONDS = 3600

export async function getTrace(db: Db, traceId: string): Promise<TraceAnswer> {
  // The trace's time bounds first (a few ms: the lookup table is small and keyed by TraceId); an id it
  // does not know is a 404 without touching the big tables. Given the bounds, spans and logs are
  // independent and are read side by side. (Measured in bench/query.ts's data set: a few ms faster
  // than one round trip with the bounds as a scalar subquery in both statements, which computed them
  // twice on the two connections that also do the reading.) PREWHERE on TraceId: the engine's own
  // choice of PREWHERE column for these statements was measured 4–15 ms slower.
  const [bounds] = await db.rows<{ n: string; s: number; e: number }>(sql`
    SELECT count() AS n, toUnixTimestamp(min(Start)) AS s, toUnixTimestamp(max(End)) AS e
    FROM ${db.table('otel_traces_trace_id_ts')} WHERE TraceId = ${p.String(traceId)}`)
  if (!bounds || Number(bounds.n) === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  const [spans, logs] = await Promise.all([
    db.rows<SpanRowOut>(sql`
      SELECT ${trusted(SPAN_SELECT)} FROM ${db.table('otel_traces')}
      PREWHERE TraceId = ${p.String(traceId)}
      WHERE Timestamp >= toDateTime64(${p.UInt32(bounds.s)}, 9)
        AND Timestamp < toDateTime64(${p.UInt32(bounds.e + 1)}, 9)
      ORDER BY Timestamp, SpanId
      LIMIT ${p.UInt32(MAX_TRACE_SPANS)}`),
    db.rows<LogRowOut>(sql`
      SELECT ${trusted(LOG_SELECT)} FROM ${db.table('otel_logs')}
      PREWHERE TraceId = ${p.String(traceId)}
      WHERE TimestampTime >= toDateTime(${p.UInt32(Math.max(0, bounds.s - LOG_MARGIN_SECONDS))})
        AND TimestampTime <= toDateTime(${p.UInt32(bounds.e + LOG_MARGIN_SECONDS + LOG_TAIL_SECONDS)})
      ORDER BY Timestamp
      LIMIT ${p.UInt32(MAX_TRACE_LOGS)}`),
  ])
  if (spans.length === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  return {
    traceId,
    truncated: spans.length >= MAX_TRACE_SPANS,
    spans: spans.map(spanOut),
    logs: logs.map(logOut),
  }
}
