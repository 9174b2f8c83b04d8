/**
 * Trace search. Two steps in one statement: the ids of traces that have a span matching every span
 * condition (service, operation, status, attributes) in the range, read on the table's key (ServiceName,
 * SpanName, time) and capped to the newest SEARCH_CANDIDATES; then only those traces are aggregated
 * (root, bounds, counts, services), and the duration bounds apply to the whole trace (first span start
 * to last span end), not to the matching span.
 */
import { type TraceSearchAnswer, TraceSearchQuery, type TraceSummary } from '@skein/model'
import type { Db } from './db.js'
import {
  type Attr,
  attrCondition,
  attrs,
  msToDurationNs,
  STATUS,
  type Status,
  spanTime,
  type TableFn,
} from './filters.js'
import { badParam, capLimit, parseQuery, type Query, type TimeRange, timeRange } from './params.js'
import { type Fragment, join, p, sql, where } from './sql.js'

/**
 * With duration bounds, the newest matching traces considered before the bounds apply (older ones are
 * not searched). Without, the candidates are the answer: `limit` traces with the newest matching spans.
 */
export const SEARCH_CANDIDATES = 10_000
/**
 * A candidate trace's spans may start before the range (a long request) or end after it: its aggregate
 * reads this much beyond the range on both sides.
 */
export const TRACE_MARGIN_MS = 10 * 60_000

export interface TraceSearchParams {
  service?: string
  operation?: string
  minDurationMs?: number
  maxDurationMs?: number
  status?: Status
  attrs: Attr[]
  range: TimeRange
  limit: number
}

/** From the query string as it came. */
export function parseTraceSearchParams(q: Query): TraceSearchParams {
  return traceSearchParams(parseQuery(TraceSearchQuery, q))
}

/** From the parameters as declared (each one valid): the checks across parameters, and defaults. */
export function traceSearchParams(v: TraceSearchQuery): TraceSearchParams {
  const { minDurationMs, maxDurationMs } = v
  if (minDurationMs !== undefined && maxDurationMs !== undefined && maxDurationMs < minDurationMs) {
    badParam('maxDurationMs', 'must not be below minDurationMs')
  }
  return {
    service: v.service,
    operation: v.operation,
    minDurationMs,
    maxDurationMs,
    status: v.status,
    attrs: attrs(v.attr),
    range: timeRange(v),
    limit: capLimit(v.limit),
  }
}

export function traceSearchQuery(s: TraceSearchParams, table: TableFn): Fragment {
  const spanConds: Fragment[] = [spanTime(s.range)]
  if (s.service !== undefined) spanConds.push(sql`ServiceName = ${p.String(s.service)}`)
  if (s.operation !== undefined) spanConds.push(sql`SpanName = ${p.String(s.operation)}`)
  if (s.status !== undefined) spanConds.push(sql`StatusCode = ${p.String(STATUS[s.status])}`)
  for (const a of s.attrs) spanConds.push(attrCondition(a))
  spanConds.push(sql`TraceId != ''`)

  const bounded = s.minDurationMs !== undefined || s.maxDurationMs !== undefined
  const candidates = bounded ? SEARCH_CANDIDATES : s.limit
  const having: Fragment[] = []
  if (s.minDurationMs !== undefined)
    having.push(sql`durationNs >= ${p.Int64(msToDurationNs(s.minDurationMs))}`)
  if (s.maxDurationMs !== undefined)
    having.push(sql`durationNs <= ${p.Int64(msToDurationNs(s.maxDurationMs))}`)
  const wide = { startMs: s.range.startMs - TRACE_MARGIN_MS, endMs: s.range.endMs + TRACE_MARGIN_MS }

  return sql`
    SELECT TraceId AS traceId,
      min(toUnixTimestamp64Nano(Timestamp)) AS startN,
      max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) - startN AS durationNs,
      count() AS spanCount,
      countIf(StatusCode = 'Error') AS errorCount,
      arraySort(groupUniqArray(ServiceName)) AS services,
      argMin((ServiceName, SpanName), (ParentSpanId != '', Timestamp)) AS root
    FROM ${table('otel_traces')}
    WHERE ${spanTime(wide)}
      AND TraceId IN (
        SELECT TraceId FROM ${table('otel_traces')}
        ${where(spanConds)}
        GROUP BY TraceId
        ORDER BY max(Timestamp) DESC
        LIMIT ${p.UInt32(candidates)}
      )
    GROUP BY TraceId
    ${having.length ? sql`HAVING ${join(having, ' AND ')}` : sql``}
    ORDER BY startN DESC, traceId
    LIMIT ${p.UInt32(s.limit)}`
}

interface Row {
  traceId: string
  startN: string
  durationNs: string
  spanCount: string
  errorCount: string
  services: string[]
  root: [string, string]
}

export async function searchTraces(db: Db, s: TraceSearchParams): Promise<TraceSearchAnswer> {
  const rows = await db.rows<Row>(traceSearchQuery(s, db.table))
  return {
    traces: rows.map(
      (r): TraceSummary => ({
        traceId: r.traceId,
        rootService: r.root[0],
        rootName: r.root[1],
        startNs: String(r.startN),
        start: new Date(Number(BigInt(r.startN) / 1_000_000n)).toISOString(),
        durationNs: String(r.durationNs),
        durationMs: Number(r.durationNs) / 1e6,
        spanCount: Number(r.spanCount),
        errorCount: Number(r.errorCount),
        services: r.services,
      }),
    ),
  }
}
