/**
 * A trace by id: whole with its logs (/traces/{id}), in compact form (/traces/{id}/compact, for traces
 * too large for the whole form), and one span of it whole with its logs (/traces/{id}/spans/{spanId}).
 * Each reads the trace's time bounds from `otel_traces_trace_id_ts` first and then scans only that window
 * of `otel_traces`; logs are found by TraceId within the trace's own bounds widened by a margin (never a
 * window around "now").
 */
import { type CompactInput, encodeCompactTrace, type SpanDetailAnswer, type TraceAnswer } from '@skein/model'
import { skeinError } from '../errors.js'
import type { Db } from './db.js'
import { LOG_SELECT, type LogRowOut, logOut, SPAN_SELECT, type SpanRowOut, spanOut } from './shapes.js'
import { type Fragment, p, sql, trusted } from './sql.js'

/** Most spans returned for one trace; the UI virtualizes, but the wire and the heap need a bound. */
export const MAX_TRACE_SPANS = 100_000
export const MAX_TRACE_LOGS = 20_000
/** Most spans of the compact form: about 40 bytes each on the wire, 80 MB at this bound. */
export const MAX_COMPACT_SPANS = 2_000_000
/** Logs may be written a little before or after their trace's spans (clock skew, async work). */
export const LOG_MARGIN_SECONDS = 300
/**
 * The lookup table's End is the last span's start, not its end: logs are looked for up to this long
 * after it, which covers spans of up to an hour. Wide windows cost little: the TraceId bloom filter
 * does the skipping.
 */
export const LOG_TAIL_SECONDS = 3600

interface Bounds {
  /** The window of otel_traces that holds the trace's spans. */
  spans: Fragment
  /** The window of otel_logs to look for its lines in. */
  logs: Fragment
}

/**
 * The trace's time bounds (a few ms: the lookup table is small and keyed by TraceId); an id it does not
 * know is a 404 without touching the big tables.
 */
async function traceBounds(db: Db, traceId: string): Promise<Bounds> {
  const [bounds] = await db.rows<{ n: string; s: number; e: number }>(sql`
    SELECT count() AS n, toUnixTimestamp(min(Start)) AS s, toUnixTimestamp(max(End)) AS e
    FROM ${db.table('otel_traces_trace_id_ts')} WHERE TraceId = ${p.String(traceId)}`)
  if (!bounds || Number(bounds.n) === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  return {
    spans: sql`Timestamp >= toDateTime64(${p.UInt32(bounds.s)}, 9)
        AND Timestamp < toDateTime64(${p.UInt32(bounds.e + 1)}, 9)`,
    logs: sql`TimestampTime >= toDateTime(${p.UInt32(Math.max(0, bounds.s - LOG_MARGIN_SECONDS))})
        AND TimestampTime <= toDateTime(${p.UInt32(bounds.e + LOG_MARGIN_SECONDS + LOG_TAIL_SECONDS)})`,
  }
}

export async function getTrace(
  db: Db,
  traceId: string,
  options: { maxSpans?: number } = {},
): Promise<TraceAnswer> {
  // Given the bounds, spans and logs are independent and are read side by side. (Measured in
  // bench/query.ts's data set: a few ms faster than one round trip with the bounds as a scalar subquery
  // in both statements, which computed them twice on the two connections that also do the reading.)
  // PREWHERE on TraceId: the engine's own choice of PREWHERE column for these statements was measured
  // 4–15 ms slower.
  const window = await traceBounds(db, traceId)
  let spanCount: number | undefined
  if (options.maxSpans !== undefined) {
    // Counting reads two narrow columns of the window: far less than the spans it may spare sending.
    const [c] = await db.rows<{ n: string }>(sql`
      SELECT count() AS n FROM ${db.table('otel_traces')}
      PREWHERE TraceId = ${p.String(traceId)} WHERE ${window.spans}`)
    spanCount = Number(c?.n ?? 0)
    if (spanCount === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
    if (spanCount > options.maxSpans) return { traceId, truncated: true, spanCount, spans: [], logs: [] }
  }
  const [spans, logs] = await Promise.all([
    db.rows<SpanRowOut>(sql`
      SELECT ${trusted(SPAN_SELECT)} FROM ${db.table('otel_traces')}
      PREWHERE TraceId = ${p.String(traceId)}
      WHERE ${window.spans}
      ORDER BY Timestamp, SpanId
      LIMIT ${p.UInt32(MAX_TRACE_SPANS)}`),
    db.rows<LogRowOut>(sql`
      SELECT ${trusted(LOG_SELECT)} FROM ${db.table('otel_logs')}
      PREWHERE TraceId = ${p.String(traceId)}
      WHERE ${window.logs}
      ORDER BY Timestamp
      LIMIT ${p.UInt32(MAX_TRACE_LOGS)}`),
  ])
  if (spans.length === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  return {
    traceId,
    truncated: spans.length >= MAX_TRACE_SPANS,
    ...(spanCount === undefined ? {} : { spanCount }),
    spans: spans.map(spanOut),
    logs: logs.map(logOut),
  }
}

/** The compact form's columns as one row of arrays: a million rows as objects cost ten times the memory. */
interface CompactRow {
  n: string
  startNs: string
  ids: string[]
  parents: string[]
  services: string[]
  names: string[]
  kinds: string[]
  statuses: string[]
  starts: number[]
  durations: number[]
}

/** Spans in start order (then id), as the whole form lists them, whatever order the arrays came in. */
function inStartOrder(r: CompactRow): void {
  let sorted = true
  for (let i = 1; i < r.starts.length && sorted; i++)
    if (r.starts[i] < r.starts[i - 1] || (r.starts[i] === r.starts[i - 1] && r.ids[i] < r.ids[i - 1]))
      sorted = false
  if (sorted) return
  const order = r.starts.map((_, i) => i)
  order.sort((a, b) => r.starts[a] - r.starts[b] || (r.ids[a] < r.ids[b] ? -1 : r.ids[a] > r.ids[b] ? 1 : 0))
  for (const key of [
    'ids',
    'parents',
    'services',
    'names',
    'kinds',
    'statuses',
    'starts',
    'durations',
  ] as const)
    (r as unknown as Record<string, unknown[]>)[key] = order.map((i) => r[key][i])
}

/** The compact form of a trace (model/src/compact.ts): per span what a waterfall row needs. */
export async function getTraceCompact(db: Db, traceId: string): Promise<Uint8Array> {
  const window = await traceBounds(db, traceId)
  const [[row], logCounts] = await Promise.all([
    db.rows<CompactRow>(sql`
      SELECT count() AS n, min(ts) AS t0, toString(t0) AS startNs,
        groupArray(SpanId) AS ids, groupArray(ParentSpanId) AS parents, groupArray(ServiceName) AS services,
        groupArray(SpanName) AS names, groupArray(SpanKind) AS kinds, groupArray(StatusCode) AS statuses,
        arrayMap(t -> toFloat64(t - t0), groupArray(ts)) AS starts,
        groupArray(toFloat64(Duration)) AS durations
      FROM (
        SELECT toUnixTimestamp64Nano(Timestamp) AS ts, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind,
          StatusCode, Duration
        FROM ${db.table('otel_traces')}
        PREWHERE TraceId = ${p.String(traceId)}
        WHERE ${window.spans}
        ORDER BY Timestamp, SpanId
        LIMIT ${p.UInt32(MAX_COMPACT_SPANS)}
      )`),
    db.rows<{ spanId: string; n: string }>(sql`
      SELECT SpanId AS spanId, count() AS n FROM ${db.table('otel_logs')}
      PREWHERE TraceId = ${p.String(traceId)}
      WHERE ${window.logs}
      GROUP BY SpanId`),
  ])
  const n = Number(row?.n ?? 0)
  if (!row || n === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  inStartOrder(row)
  const logs = new Map(logCounts.map((l) => [l.spanId, Number(l.n)]))
  const input: CompactInput = {
    traceId,
    truncated: n >= MAX_COMPACT_SPANS,
    startNs: row.startNs,
    spanId: row.ids,
    parentSpanId: row.parents,
    service: row.services,
    name: row.names,
    kind: row.kinds,
    statusCode: row.statuses,
    startOffsetNs: row.starts,
    durationNs: row.durations,
    logCount: row.ids.map((id) => logs.get(id) ?? 0),
  }
  return encodeCompactTrace(input)
}

/** One span of a trace, whole, with its log lines: what the compact form leaves out. */
export async function getTraceSpan(db: Db, traceId: string, spanId: string): Promise<SpanDetailAnswer> {
  const window = await traceBounds(db, traceId)
  const [spans, logs] = await Promise.all([
    db.rows<SpanRowOut>(sql`
      SELECT ${trusted(SPAN_SELECT)} FROM ${db.table('otel_traces')}
      PREWHERE TraceId = ${p.String(traceId)}
      WHERE ${window.spans} AND SpanId = ${p.String(spanId)}
      ORDER BY Timestamp
      LIMIT 100`),
    db.rows<LogRowOut>(sql`
      SELECT ${trusted(LOG_SELECT)} FROM ${db.table('otel_logs')}
      PREWHERE TraceId = ${p.String(traceId)}
      WHERE ${window.logs} AND SpanId = ${p.String(spanId)}
      ORDER BY Timestamp
      LIMIT ${p.UInt32(MAX_TRACE_LOGS)}`),
  ])
  if (spans.length === 0) throw skeinError('NOT_FOUND', `no span with id ${spanId} in trace ${traceId}`)
  return { traceId, spans: spans.map(spanOut), logs: logs.map(logOut) }
}
