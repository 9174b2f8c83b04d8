/** The slowest spans in a range, optionally of one service / operation and above a duration. */
import { type SlowSpan, type SlowSpansAnswer, SlowSpansQuery } from '@skein/model'
import type { Db } from './db.js'
import { msToDurationNs, STATUS, type Status, spanTime, type TableFn } from './filters.js'
import { capLimit, nsToIso, parseQuery, type Query, type TimeRange, timeRange } from './params.js'
import { durationMs, type SlowSpanRow } from './shapes.js'
import { type Fragment, p, sql, where } from './sql.js'

export interface SlowSpansParams {
  service?: string
  operation?: string
  minDurationMs?: number
  status?: Status
  range: TimeRange
  limit: number
}

/** From the query string as it came. */
export function parseSlowSpansParams(q: Query): SlowSpansParams {
  return slowSpansParams(parseQuery(SlowSpansQuery, q))
}

/** From the parameters as declared (each one valid). */
export function slowSpansParams(v: SlowSpansQuery): SlowSpansParams {
  return {
    service: v.service,
    operation: v.operation,
    minDurationMs: v.minDurationMs,
    status: v.status,
    range: timeRange(v),
    limit: capLimit(v.limit),
  }
}

export function slowSpansQuery(s: SlowSpansParams, table: TableFn): Fragment {
  const conds: Fragment[] = []
  if (s.service !== undefined) conds.push(sql`ServiceName = ${p.String(s.service)}`)
  if (s.operation !== undefined) conds.push(sql`SpanName = ${p.String(s.operation)}`)
  conds.push(spanTime(s.range))
  // The minmax index on Duration skips granules whose spans are all faster.
  if (s.minDurationMs !== undefined) conds.push(sql`Duration >= ${p.UInt64(msToDurationNs(s.minDurationMs))}`)
  if (s.status !== undefined) conds.push(sql`StatusCode = ${p.String(STATUS[s.status])}`)
  return sql`
    SELECT TraceId AS traceId, SpanId AS spanId, ParentSpanId AS parentSpanId, ServiceName AS service,
      SpanName AS name, SpanKind AS kind, toString(toUnixTimestamp64Nano(Timestamp)) AS startNs,
      toString(Duration) AS durationNs, StatusCode AS statusCode, StatusMessage AS statusMessage
    FROM ${table('otel_traces')}
    ${where(conds)}
    ORDER BY Duration DESC, Timestamp DESC
    LIMIT ${p.UInt32(s.limit)}`
}

export async function slowSpans(db: Db, s: SlowSpansParams): Promise<SlowSpansAnswer> {
  const rows = await db.rows<SlowSpanRow>(slowSpansQuery(s, db.table))
  return {
    spans: rows.map(
      (r): SlowSpan => ({ ...r, start: nsToIso(r.startNs), durationMs: durationMs(r.durationNs) }),
    ),
  }
}
