/**
 * Tempo's trace search (`/api/search`) over `otel_traces`, for a TraceQL query of the subset (traceql.ts).
 *
 * Two statements. The first chooses traces: those with spans matching the filters in the range, read on
 * the table's key, newest first, with the trace-level condition over per-trace counts of each filter;
 * only those traces are then aggregated (root, bounds, per-service counts) and the duration bounds apply
 * to the whole trace, as in query/trace-search.ts. When that condition is exact (no structural operator,
 * no trace-level intrinsic) it is the answer's list; otherwise more candidates are read and checked.
 * The second reads the matching spans of the chosen traces (every span, for a structural query, whose
 * parent links are then followed in matchedSpans) with a flag per filter, for Tempo's `spanSets`.
 */
import type { TempoSearchAnswer, TempoSpanSet, TempoTrace } from '@skein/model'
import type { Db } from '../query/db.js'
import { spanTime } from '../query/filters.js'
import type { TimeRange } from '../query/params.js'
import { type Fragment, join, p, sql } from '../query/sql.js'
import {
  filterCondition,
  isStructural,
  matchedSpans,
  type SpanMatch,
  type TraceColumns,
  type TraceQuery,
  traceCondition,
  usesTraceLevel,
} from './traceql.js'

/** Traces considered when the first statement's condition is not the whole answer. */
export const TEMPO_CANDIDATES = 2_000
/** A candidate trace's spans may start before the range or end after it (as in trace-search.ts). */
const MARGIN_MS = 10 * 60_000
/** Spans read for the spanSets of one search, at most. */
const MAX_MATCH_ROWS = 200_000

export interface TempoSearchParams {
  query: TraceQuery
  range: TimeRange
  minDurationNs?: bigint
  maxDurationNs?: bigint
  limit: number
  /** Spans per spanset in the answer. */
  spss: number
}

interface TraceRow {
  traceId: string
  startN: string
  durationNs: string
  root: [string, string]
  stats: [string[], string[], string[]]
}

interface SpanRow {
  traceId: string
  spanId: string
  parentSpanId: string
  startNs: string
  durationNs: string
  name: string
  service: string
  m: number[]
}

const TRACE_COLUMNS: TraceColumns = {
  rootName: sql`t.rootName`,
  rootServiceName: sql`t.rootService`,
  traceDurationNs: sql`t.durationNs`,
}

function exact(q: TraceQuery): boolean {
  return !isStructural(q.expr) && !q.filters.some(usesTraceLevel)
}

export function tempoCandidatesQuery(s: TempoSearchParams, table: (name: string) => Fragment): Fragment {
  const relaxed = s.query.filters.map((f) => filterCondition(f, undefined))
  const wide = { startMs: s.range.startMs - MARGIN_MS, endMs: s.range.endMs + MARGIN_MS }
  const having: Fragment[] = []
  if (s.minDurationNs !== undefined) having.push(sql`durationNs >= ${p.Int64(s.minDurationNs)}`)
  if (s.maxDurationNs !== undefined) having.push(sql`durationNs <= ${p.Int64(s.maxDurationNs)}`)
  const bounded = having.length > 0 || !exact(s.query)
  const counts = (i: number) => sql`countIf(${relaxed[i]})`
  return sql`
    SELECT TraceId AS traceId,
      min(toUnixTimestamp64Nano(Timestamp)) AS startN,
      max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) - startN AS durationNs,
      argMin((ServiceName, SpanName), (ParentSpanId != '', Timestamp)) AS root,
      sumMap([ServiceName], [toUInt64(1)], [toUInt64(StatusCode = 'Error')]) AS stats
    FROM ${table('otel_traces')}
    WHERE ${spanTime(wide)}
      AND TraceId IN (
        SELECT TraceId FROM ${table('otel_traces')}
        WHERE ${spanTime(s.range)} AND TraceId != '' AND (${join(relaxed, ' OR ')})
        GROUP BY TraceId
        HAVING ${traceCondition(s.query.expr, counts)}
        ORDER BY max(Timestamp) DESC
        LIMIT ${p.UInt32(bounded ? TEMPO_CANDIDATES : s.limit)}
      )
    GROUP BY TraceId
    ${having.length ? sql`HAVING ${join(having, ' AND ')}` : sql``}
    ORDER BY startN DESC, traceId
    LIMIT ${p.UInt32(exact(s.query) ? s.limit : TEMPO_CANDIDATES)}`
}

export function tempoSpansQuery(
  s: TempoSearchParams,
  traceIds: readonly string[],
  table: (name: string) => Fragment,
): Fragment {
  const traceLevel = s.query.filters.some(usesTraceLevel)
  const flags = s.query.filters.map((f) => filterCondition(f, traceLevel ? TRACE_COLUMNS : undefined))
  const wide = { startMs: s.range.startMs - MARGIN_MS, endMs: s.range.endMs + MARGIN_MS }
  const ids = p.ArrayString(traceIds)
  const all = isStructural(s.query.expr)
  const traceInfo = traceLevel
    ? sql`INNER JOIN (
        SELECT TraceId,
          argMin(SpanName, (ParentSpanId != '', Timestamp)) AS rootName,
          argMin(ServiceName, (ParentSpanId != '', Timestamp)) AS rootService,
          max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) - min(toUnixTimestamp64Nano(Timestamp)) AS durationNs
        FROM ${table('otel_traces')}
        PREWHERE TraceId IN ${ids}
        WHERE ${spanTime(wide)}
        GROUP BY TraceId) AS t ON t.TraceId = s.TraceId`
    : sql``
  return sql`
    SELECT s.TraceId AS traceId, SpanId AS spanId, ParentSpanId AS parentSpanId,
      toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs,
      SpanName AS name, ServiceName AS service,
      [${join(flags, ', ')}] AS m
    FROM ${table('otel_traces')} AS s
    ${traceInfo}
    PREWHERE s.TraceId IN ${ids}
    WHERE ${spanTime(wide)}
      ${all ? sql`` : sql`AND (${join(flags, ' OR ')})`}
    ORDER BY Timestamp
    LIMIT ${p.UInt32(MAX_MATCH_ROWS)}`
}

export async function tempoSearch(db: Db, s: TempoSearchParams): Promise<TempoSearchAnswer> {
  const traces = await db.rows<TraceRow>(tempoCandidatesQuery(s, db.table))
  if (traces.length === 0) return { traces: [] }
  const rows = await db.rows<SpanRow>(
    tempoSpansQuery(
      s,
      traces.map((t) => t.traceId),
      db.table,
    ),
  )
  const byTrace = new Map<string, (SpanMatch & SpanRow)[]>()
  for (const r of rows) {
    const list = byTrace.get(r.traceId) ?? []
    list.push({ ...r, matches: r.m.map((x) => Number(x) === 1) })
    byTrace.set(r.traceId, list)
  }
  const out: TempoTrace[] = []
  for (const t of traces) {
    if (out.length >= s.limit) break
    const matched = matchedSpans(s.query.expr, byTrace.get(t.traceId) ?? []) as (SpanMatch & SpanRow)[]
    if (matched.length === 0) continue
    matched.sort((a, b) => (BigInt(a.startNs) < BigInt(b.startNs) ? -1 : 1))
    const set: TempoSpanSet = {
      spans: matched.slice(0, s.spss).map((m) => ({
        spanID: m.spanId,
        name: m.name,
        startTimeUnixNano: m.startNs,
        durationNanos: m.durationNs,
        attributes: [{ key: 'service.name', value: { stringValue: m.service } }],
      })),
      matched: matched.length,
    }
    const [services, spanCounts, errorCounts] = t.stats
    const serviceStats: TempoTrace['serviceStats'] = {}
    services.forEach((name, i) => {
      const errors = Number(errorCounts[i])
      serviceStats[name] = { spanCount: Number(spanCounts[i]), ...(errors ? { errorCount: errors } : {}) }
    })
    out.push({
      traceID: t.traceId,
      rootServiceName: t.root[0],
      rootTraceName: t.root[1],
      startTimeUnixNano: String(t.startN),
      // Tempo's durationMs is a uint32: a whole number (a float breaks Grafana's decoder).
      durationMs: Math.floor(Number(t.durationNs) / 1e6),
      spanSets: [set],
      spanSet: set,
      serviceStats,
    })
  }
  return { traces: out }
}
