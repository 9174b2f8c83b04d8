/**
 * Trace search, from the trace summaries (storage/schema.ts, `skein_trace_summary`): traces that have a
 * span matching every span condition in the range, newest first, with their root, bounds, counts and
 * services, without reading spans. Service, operation and status are checked on the summary's
 * (service, operation, status) keys of each trace, on the same span as the span-based search does;
 * attribute conditions are not in the summary, so with them the candidate traces come from the spans
 * (read on the range's time buckets of the span table's key, capped to the newest SEARCH_CANDIDATES).
 * The duration bounds apply to the whole trace (first span start to last span end), not to the
 * matching span.
 *
 * Two steps in one statement: the traces of the range that match, filtered and sorted on the narrow
 * columns (start, end, keys) and cut to `limit`; then only those rows are aggregated whole (root state,
 * services). `traceSearchFromSpansQuery` is the same search over the spans alone (the way it was done
 * before the summaries: 1.9x slower at 10M spans in bench:query, 3.7–8x at 1M): kept as the reference
 * the summary-based search is tested against.
 *
 * The one difference: a trace matches when a summary row holding a matching key overlaps the range
 * (its first span starts before the range ends and its last span starts in or after it), where the
 * span-based search asks for the matching span itself to start in the range. They differ only for a
 * trace that straddles the range's edge with the matching span outside it.
 */
import { type TraceSearchAnswer, TraceSearchQuery, type TraceSummary } from '@skein/model'
import { SUMMARY_KEY_FIELDS, SUMMARY_OPERATION_MASK, SUMMARY_STATUSES } from '../storage/schema.js'
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
import { type Fragment, join, p, sql, trusted, where } from './sql.js'

/**
 * With attribute conditions (read from spans) and duration bounds, the newest matching traces considered
 * before the bounds apply (older ones are not searched). Without bounds, `limit` traces with the newest
 * matching spans. Without attribute conditions the summaries are searched whole: no cap.
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

/** Key conditions (service, operation, status) over a summary key `k` (storage/schema.ts summaryKey). */
function keyCondition(s: TraceSearchParams): Fragment | undefined {
  const f = SUMMARY_KEY_FIELDS
  const conds: Fragment[] = []
  if (s.service !== undefined) conds.push(sql`${trusted(f.service)} = cityHash64(${p.String(s.service)})`)
  if (s.operation !== undefined)
    conds.push(
      sql`${trusted(f.operation)} = bitAnd(cityHash64(${p.String(s.operation)}), ${trusted(SUMMARY_OPERATION_MASK)})`,
    )
  if (s.status !== undefined)
    conds.push(
      sql`${trusted(f.status)} = ${p.UInt8((SUMMARY_STATUSES as readonly string[]).indexOf(STATUS[s.status]) + 1)}`,
    )
  return conds.length ? sql`arrayExists(k -> ${join(conds, ' AND ')}, Keys)` : undefined
}

/** The trace-wide duration bounds over `durationNs`, or nothing. */
function durationBounds(s: TraceSearchParams): Fragment[] {
  const having: Fragment[] = []
  if (s.minDurationMs !== undefined)
    having.push(sql`durationNs >= ${p.Int64(msToDurationNs(s.minDurationMs))}`)
  if (s.maxDurationMs !== undefined)
    having.push(sql`durationNs <= ${p.Int64(msToDurationNs(s.maxDurationMs))}`)
  return having
}

/**
 * The span conditions of a search (time range first, for the key and partitions), from `sinceS` on when
 * given (the recent slice: a trace that starts in it has every span in it).
 */
function spanConditions(s: TraceSearchParams, sinceS?: number): Fragment[] {
  const startMs = sinceS === undefined ? s.range.startMs : Math.max(s.range.startMs, sinceS * 1000)
  const spanConds: Fragment[] = [spanTime({ startMs, endMs: s.range.endMs })]
  if (s.service !== undefined) spanConds.push(sql`ServiceName = ${p.String(s.service)}`)
  if (s.operation !== undefined) spanConds.push(sql`SpanName = ${p.String(s.operation)}`)
  if (s.status !== undefined) spanConds.push(sql`StatusCode = ${p.String(STATUS[s.status])}`)
  for (const a of s.attrs) spanConds.push(attrCondition(a))
  spanConds.push(sql`TraceId != ''`)
  return spanConds
}

/**
 * Ids of the traces that have a span matching every span condition in the range, the `limit` with the
 * newest such spans.
 */
function spanCandidates(s: TraceSearchParams, table: TableFn, limit: number, sinceS?: number): Fragment {
  return sql`
        SELECT TraceId FROM ${table('otel_traces')}
        ${where(spanConditions(s, sinceS))}
        GROUP BY TraceId
        ORDER BY max(Timestamp) DESC
        LIMIT ${p.UInt32(limit)}`
}

const wideRange = (s: TraceSearchParams) => ({
  startMs: s.range.startMs - TRACE_MARGIN_MS,
  endMs: s.range.endMs + TRACE_MARGIN_MS,
})

/** The first minute (Unix seconds) of the summary rows a search reads: its range widened by the margin. */
const firstMinute = (s: TraceSearchParams) => Math.floor(wideRange(s).startMs / 60_000) * 60

/**
 * The summary-based search. `sinceS` (a minute, Unix seconds) reads only the rows from that minute on:
 * the recent slice `searchTraces` tries first.
 */
export function traceSearchQuery(s: TraceSearchParams, table: TableFn, sinceS?: number): Fragment {
  const wide = wideRange(s)
  // Rows by the minute of their first span: those of the range widened by the margin on both sides.
  const minutes = sql`Minute >= toDateTime(${p.Int64(sinceS ?? firstMinute(s))})
      AND Minute < toDateTime(${p.Int64(Math.ceil(wide.endMs / 1000))})`
  const row: Fragment[] = [
    sql`LastStart >= fromUnixTimestamp64Nano(${p.Int64(BigInt(s.range.startMs) * 1_000_000n)})`,
    sql`Start < fromUnixTimestamp64Nano(${p.Int64(BigInt(s.range.endMs) * 1_000_000n)})`,
  ]
  const keys = keyCondition(s)
  if (keys) row.push(keys)
  const having = [sql`countIf(${join(row, ' AND ')}) > 0`, ...durationBounds(s)]
  const bounded = s.minDurationMs !== undefined || s.maxDurationMs !== undefined
  const fromSpans = s.attrs.length
    ? sql`AND TraceId IN (${spanCandidates(s, table, bounded ? SEARCH_CANDIDATES : s.limit, sinceS)})`
    : trusted('')
  const summary = table('skein_trace_summary')
  return sql`
    SELECT TraceId AS traceId,
      toUnixTimestamp64Nano(min(Start)) AS startN,
      max(EndNs) - startN AS durationNs,
      sum(SpanCount) AS spanCount,
      sum(ErrorCount) AS errorCount,
      arraySort(groupUniqArrayArray(Services)) AS services,
      argMinMerge(Root) AS root
    FROM ${summary}
    WHERE ${minutes}
      AND TraceId IN (
        SELECT TraceId FROM ${summary}
        WHERE ${minutes} ${fromSpans}
        GROUP BY TraceId
        HAVING ${join(having, ' AND ')}
        ORDER BY min(Start) DESC, TraceId
        LIMIT ${p.UInt32(s.limit)}
      )
    GROUP BY TraceId
    ORDER BY startN DESC, traceId`
}

/** The same search over the spans alone: the reference the summary-based one is tested against. */
export function traceSearchFromSpansQuery(s: TraceSearchParams, table: TableFn): Fragment {
  const bounded = s.minDurationMs !== undefined || s.maxDurationMs !== undefined
  const candidates = bounded ? SEARCH_CANDIDATES : s.limit
  const having = durationBounds(s)
  return sql`
    SELECT TraceId AS traceId,
      min(toUnixTimestamp64Nano(Timestamp)) AS startN,
      max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) - startN AS durationNs,
      count() AS spanCount,
      countIf(StatusCode = 'Error') AS errorCount,
      arraySort(groupUniqArray(ServiceName)) AS services,
      argMin((ServiceName, SpanName), (ParentSpanId != '', Timestamp)) AS root
    FROM ${table('otel_traces')}
    WHERE ${spanTime(wideRange(s))}
      AND TraceId IN (${spanCandidates(s, table, candidates)})
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

/**
 * Minutes at the end of a search's range searched first. A search groups every summary row of its range
 * by trace (all of an hour's traces for an hour), so its cost grew with the traffic of the range, while
 * it shows only the newest `limit` traces. The recent slice answers exactly when it holds `limit` traces
 * that match and none of them has a summary row older than the slice: every trace that starts in the
 * slice has all its rows there (a row's minute is that of its first span), so their aggregates are
 * whole, and any trace that starts before the slice sorts after them. Otherwise (a trace of the answer
 * sent in parts across the slice's edge, too few matches) the whole range is searched as before.
 * Measured on the 10M bench:query set (in-process, alternated, loaded cores), an hour with a service and
 * a duration bound: p50 88 → 44 ms (min 43 → 24), no filter 49 → 32 ms, same answers; of the 44, the
 * slice about 20 and the check for older rows about 9 (the same check on otel_traces_trace_id_ts by id:
 * 15). A 5-minute slice measured no better within the noise.
 */
export const RECENT_SLICE_MINUTES = 10

/** Which of `ids` have summary rows in the range's minutes before `beforeS`. */
function olderRowsQuery(s: TraceSearchParams, table: TableFn, beforeS: number, ids: string[]): Fragment {
  return sql`
    SELECT DISTINCT TraceId AS traceId FROM ${table('skein_trace_summary')}
    WHERE Minute >= toDateTime(${p.Int64(firstMinute(s))}) AND Minute < toDateTime(${p.Int64(beforeS)})
      AND TraceId IN ${p.ArrayString(ids)}`
}

export async function searchTraces(db: Db, s: TraceSearchParams): Promise<TraceSearchAnswer> {
  const sinceS = Math.floor((s.range.endMs - RECENT_SLICE_MINUTES * 60_000) / 60_000) * 60
  if (sinceS > firstMinute(s)) {
    const recent = await db.rows<Row>(traceSearchQuery(s, db.table, sinceS))
    if (recent.length >= s.limit) {
      const ids = recent.map((r) => r.traceId)
      const older = await db.rows<{ traceId: string }>(olderRowsQuery(s, db.table, sinceS, ids))
      if (older.length === 0) return answer(recent)
    }
  }
  return answer(await db.rows<Row>(traceSearchQuery(s, db.table)))
}

/** The span-based search (traceSearchFromSpansQuery): the reference for tests and benchmarks. */
export async function searchTracesFromSpans(db: Db, s: TraceSearchParams): Promise<TraceSearchAnswer> {
  return answer(await db.rows<Row>(traceSearchFromSpansQuery(s, db.table)))
}

function answer(rows: Row[]): TraceSearchAnswer {
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
