/**
 * /api/v1/compare: what sets a selection of requests (slow, failing, with an attribute) apart from the
 * other requests of the same service and range. The compared spans are the service's entry spans
 * (`ENTRY_SPAN`, as RED series and alert rules count requests), of one operation if asked.
 *
 * Ranking. Every list is ranked by a test statistic of "more in the selection than in the baseline", so
 * that a difference seen on 3 requests does not outrank the same difference seen on 3,000:
 * - attributes and log patterns: the one-sided two-proportion z statistic with pooled variance,
 *   z = (p₁ − p₂) / √(p(1 − p)(1/n₁ + 1/n₂)), on the share of spans (attributes) or traces (log patterns)
 *   that have the pair or pattern; pairs seen on fewer than MIN_SUPPORT selection spans (a random user id)
 *   and z below MIN_Z (one-sided p ≈ 0.001) do not rank at all;
 * - operations (descendants of the compared spans, by path): the largest of three statistics, each
 *   named in `reason` — the two-proportion z of the share of traces that call it ("occurs"), Welch's t of
 *   the calls per trace ("calls"), and Welch's t of the call's self time ("slower": its duration less its
 *   children's, so that the delay is charged to the call that spends it, not to each of its callers,
 *   which are only slower because they wait for it; the answer's means are of whole durations).
 *
 * Sampling. Sides are sampled on their own, by a hash of the trace id (so a trace's spans and logs are
 * all in or all out): attributes on at most SPAN_SAMPLE spans per side, operations and logs on at most
 * TRACE_SAMPLE traces per side. The answer says how many were used (`sample`). Side counts, error rates
 * and percentiles are over all compared spans.
 */
import {
  type Baseline,
  buildSpanTree,
  type CompareAnswer,
  type CompareAttribute,
  type CompareLogPattern,
  type CompareOperation,
  CompareQuery,
  type CompareSide,
  DEFAULT_COMPARE_LIMIT,
  MAX_COMPARE_LIMIT,
  type SpanNode,
  type TreeSpan,
} from '@skein/model'
import type { Db } from './db.js'
import {
  type Attr,
  attrCondition,
  ENTRY_SPAN,
  logTime,
  msToDurationNs,
  STATUS,
  type Status,
  spanTime,
  type TableFn,
} from './filters.js'
import { patternOf } from './mask.js'
import { badParam, capLimit, parseQuery, type Query, type TimeRange } from './params.js'
import { type Fragment, join, p, sql } from './sql.js'
import { TRACE_MARGIN_MS, traceSearchParams } from './trace-search.js'

/** Spans per side whose attributes are counted at most. */
export const SPAN_SAMPLE = 20_000
/** Traces per side whose operations and log lines are read at most. */
export const TRACE_SAMPLE = 1_000
/** Spans of the sampled traces read at most for the operations. */
export const MAX_OPERATION_SPANS = 300_000
/** A pair, path or pattern seen in fewer selection spans/traces than this does not rank. */
export const MIN_SUPPORT = 5
/** The cut-off of the attribute and log-pattern z statistic: one-sided p ≈ 0.001. */
export const MIN_Z = 3.09
/** The cut-off of an operation's score (any of its three statistics). */
export const MIN_OPERATION_SCORE = 3.09
/** Example trace ids per side. */
export const EXAMPLES = 5

export interface CompareParams {
  service: string
  operation?: string
  minDurationMs?: number
  maxDurationMs?: number
  status?: Status
  attrs: Attr[]
  baseline: Baseline
  range: TimeRange
  limit: number
}

/** From the query string as it came. */
export function parseCompareParams(q: Query): CompareParams {
  return compareParams(parseQuery(CompareQuery, q))
}

/**
 * From the parameters as declared (each one valid): trace search's checks and defaults (a search's
 * parameters are a comparison's selection), a selection required, and the comparison's own limit.
 */
export function compareParams(v: CompareQuery): CompareParams {
  const { baseline, limit, ...selection } = v
  const base = traceSearchParams(selection)
  if (
    base.minDurationMs === undefined &&
    base.maxDurationMs === undefined &&
    base.status === undefined &&
    !base.attrs.length
  )
    badParam('minDurationMs', 'a selection is needed: minDurationMs, maxDurationMs, status or attr')
  return {
    ...base,
    service: v.service,
    baseline: baseline ?? 'rest',
    limit: capLimit(limit, DEFAULT_COMPARE_LIMIT, MAX_COMPARE_LIMIT),
  }
}

// ---- statistics (pure) ----

/**
 * One-sided two-proportion z statistic, pooled variance: positive when a/n1 > b/n2. 0 when it is not
 * defined (an empty side, or both shares 0 or 1).
 */
export function twoProportionZ(a: number, n1: number, b: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 0
  const pooled = (a + b) / (n1 + n2)
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
  return se > 0 ? (a / n1 - b / n2) / se : 0
}

/** Count, sum and sum of squares of a sample. */
export interface Moments {
  n: number
  sum: number
  sumSq: number
}

function variance(m: Moments): number {
  if (m.n < 2) return 0
  const mean = m.sum / m.n
  return Math.max(0, (m.sumSq - m.n * mean * mean) / (m.n - 1))
}

/** Welch's t statistic of mean(x) − mean(y); 0 when not defined (fewer than 2 on a side, no spread). */
export function welchT(x: Moments, y: Moments): number {
  if (x.n < 2 || y.n < 2) return 0
  const se = Math.sqrt(variance(x) / x.n + variance(y) / y.n)
  return se > 0 ? (x.sum / x.n - y.sum / y.n) / se : 0
}

// ---- SQL ----

/** The compared spans: the service's entry spans in the range (of the operation, when given). */
export function comparedConditions(s: CompareParams): Fragment {
  const conds: Fragment[] = [spanTime(s.range), sql`ServiceName = ${p.String(s.service)}`]
  if (s.operation !== undefined) conds.push(sql`SpanName = ${p.String(s.operation)}`)
  conds.push(ENTRY_SPAN, sql`TraceId != ''`)
  return join(conds, ' AND ')
}

/** Whether a compared span is in the selection (a boolean expression). */
export function selectionCondition(s: CompareParams): Fragment {
  const conds: Fragment[] = []
  if (s.minDurationMs !== undefined) conds.push(sql`Duration >= ${p.UInt64(msToDurationNs(s.minDurationMs))}`)
  if (s.maxDurationMs !== undefined) conds.push(sql`Duration <= ${p.UInt64(msToDurationNs(s.maxDurationMs))}`)
  if (s.status !== undefined) conds.push(sql`StatusCode = ${p.String(STATUS[s.status])}`)
  for (const a of s.attrs) conds.push(attrCondition(a))
  return sql`(${join(conds, ' AND ')})`
}

function baselineCondition(s: CompareParams): Fragment {
  return s.baseline === 'all' ? sql`1` : sql`NOT ${selectionCondition(s)}`
}

/** Side counts, errors and percentiles over every compared span. */
export function sidesQuery(s: CompareParams, table: TableFn): Fragment {
  return sql`
    SELECT countIf(sel) AS selN, countIf(base) AS baseN,
      countIf(sel AND StatusCode = 'Error') AS selErrors, countIf(base AND StatusCode = 'Error') AS baseErrors,
      quantilesIf(0.5, 0.95)(Duration, sel) AS selQ, quantilesIf(0.5, 0.95)(Duration, base) AS baseQ
    FROM (
      SELECT Duration, StatusCode, ${selectionCondition(s)} AS sel, ${baselineCondition(s)} AS base
      FROM ${table('otel_traces')} WHERE ${comparedConditions(s)}
    )`
}

/** Keeps about one trace in `rate` of a side: a hash of the trace id, so its spans and logs agree. */
export interface Rates {
  sel: number
  base: number
}

/** A side's flag (`sel` or `base`), kept for about one trace in `rate`. */
const inSample = (flag: Fragment, rate: number) =>
  rate > 1 ? sql`(${flag} AND cityHash64(TraceId) % ${p.UInt32(rate)} = 0)` : flag

/** The compared spans with their side flags, sampled at `rates`. */
function sampledCompared(s: CompareParams, table: TableFn, rates: Rates, columns: Fragment): Fragment {
  return sql`
    SELECT ${columns}, ${inSample(sql`sel`, rates.sel)} AS s, ${inSample(sql`base`, rates.base)} AS b
    FROM (
      SELECT *, ${selectionCondition(s)} AS sel, ${baselineCondition(s)} AS base
      FROM ${table('otel_traces')} WHERE ${comparedConditions(s)}
    )
    WHERE s OR b`
}

/** key=value pairs of the sampled spans (span and resource scope), counted per side. */
export function attributesQuery(s: CompareParams, table: TableFn, rates: Rates): Fragment {
  const spans = sampledCompared(s, table, rates, sql`TraceId, SpanAttributes, ResourceAttributes`)
  return sql`
    SELECT kv.1 AS key, kv.2 AS value, kv.3 AS scope, countIf(s) AS a, countIf(b) AS bb
    FROM (
      SELECT arrayJoin(arrayConcat(
          arrayMap((k, v) -> (k, v, 'span'), mapKeys(SpanAttributes), mapValues(SpanAttributes)),
          arrayMap((k, v) -> (k, v, 'resource'), mapKeys(ResourceAttributes), mapValues(ResourceAttributes))
        )) AS kv, s, b
      FROM (${spans})
    )
    GROUP BY key, value, scope
    HAVING a >= ${p.UInt32(MIN_SUPPORT)}`
}

/** The sampled compared spans themselves: which trace, which span, which side, how long. */
export function comparedSpansQuery(s: CompareParams, table: TableFn, rates: Rates): Fragment {
  return sampledCompared(s, table, rates, sql`TraceId AS traceId, SpanId AS spanId, Duration AS durationNs`)
}

/** Ids of the sampled traces of one side, as a subquery. */
function sampledTraceIds(s: CompareParams, table: TableFn, rates: Rates, side: 's' | 'b'): Fragment {
  const flag = side === 's' ? sql`s` : sql`b`
  return sql`SELECT traceId FROM (${comparedSpansQuery(s, table, rates)}) WHERE ${flag}`
}

function wideRange(s: CompareParams): TimeRange {
  return { startMs: s.range.startMs - TRACE_MARGIN_MS, endMs: s.range.endMs + TRACE_MARGIN_MS }
}

/**
 * Every span of the sampled traces (both sides), with what the tree needs. The slowest part of a compare
 * (bench/RESULTS.md, compare): the sampled traces are in every granule of the window, so its TraceId
 * column is read whole (under the exporter's order the time bounds pruned little of it; under
 * SPAN_ORDER_BY the window is read on the key's time bucket).
 */
export function traceSpansQuery(s: CompareParams, table: TableFn, rates: Rates): Fragment {
  return sql`
    SELECT TraceId AS traceId, SpanId AS spanId, ParentSpanId AS parentSpanId, ServiceName AS service,
      SpanName AS name, toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs,
      Duration / 1e6 AS durationMs, StatusCode AS statusCode
    FROM ${table('otel_traces')}
    PREWHERE TraceId IN (SELECT traceId FROM (${comparedSpansQuery(s, table, rates)}))
    WHERE ${spanTime(wideRange(s))}
    LIMIT ${p.UInt32(MAX_OPERATION_SPANS)}`
}

/** Log lines of the sampled traces grouped by pattern: lines and traces per side. */
export function logPatternsQuery(s: CompareParams, table: TableFn, rates: Rates): Fragment {
  const selIds = sampledTraceIds(s, table, rates, 's')
  const baseIds = sampledTraceIds(s, table, rates, 'b')
  return sql`
    SELECT pattern, any(Body) AS example, any(SeverityText) AS severityText,
      countIf(inS) AS selLines, countIf(inB) AS baseLines,
      uniqExactIf(TraceId, inS) AS selTraces, uniqExactIf(TraceId, inB) AS baseTraces
    FROM (
      SELECT ${patternOf(sql`Body`)} AS pattern, Body, SeverityText, TraceId,
        TraceId IN (${selIds}) AS inS, TraceId IN (${baseIds}) AS inB
      FROM ${table('otel_logs')}
      PREWHERE TraceId IN (SELECT traceId FROM (${comparedSpansQuery(s, table, rates)}))
      WHERE ${logTime(wideRange(s))}
    )
    GROUP BY pattern
    HAVING selTraces >= ${p.UInt32(MIN_SUPPORT)}`
}

// ---- the answer ----

interface SidesRow {
  selN: string
  baseN: string
  selErrors: string
  baseErrors: string
  selQ: number[]
  baseQ: number[]
}

interface AttrRow {
  key: string
  value: string
  scope: 'span' | 'resource'
  a: string
  bb: string
}

interface ComparedRow {
  traceId: string
  spanId: string
  durationNs: string
  s: number | boolean
  b: number | boolean
}

interface SpanRow extends TreeSpan {
  traceId: string
  name: string
  durationNs: string
}

interface LogRow {
  pattern: string
  example: string
  severityText: string
  selLines: string
  baseLines: string
  selTraces: string
  baseTraces: string
}

const ms = (ns: number | undefined) => (Number.isFinite(ns) ? (ns as number) / 1e6 : 0)

function side(n: string, errors: string, q: number[]): CompareSide {
  const count = Number(n)
  return {
    count,
    errorRate: count ? Number(errors) / count : 0,
    p50Ms: count ? ms(q[0]) : 0,
    p95Ms: count ? ms(q[1]) : 0,
  }
}

/** Keeps about `max` of `n`: 1 keeps all. */
const rateFor = (n: number, max: number) => Math.max(1, Math.ceil(n / max))

/** @param sample sizes per side (parameters for tests; the server uses SPAN_SAMPLE and TRACE_SAMPLE) */
export async function compareRequests(
  db: Db,
  s: CompareParams,
  sample = { spans: SPAN_SAMPLE, traces: TRACE_SAMPLE },
): Promise<CompareAnswer> {
  const [sides] = await db.rows<SidesRow>(sidesQuery(s, db.table))
  const selN = Number(sides?.selN ?? 0)
  const baseN = Number(sides?.baseN ?? 0)
  const spanRates = { sel: rateFor(selN, sample.spans), base: rateFor(baseN, sample.spans) }
  const traceRates = { sel: rateFor(selN, sample.traces), base: rateFor(baseN, sample.traces) }
  const empty = selN === 0 || baseN === 0
  const [attrRows, compared, spans, logRows] = empty
    ? [[], [], [], []]
    : await Promise.all([
        db.rows<AttrRow>(attributesQuery(s, db.table, spanRates)),
        db.rows<ComparedRow>(comparedSpansQuery(s, db.table, traceRates)),
        db.rows<SpanRow>(traceSpansQuery(s, db.table, traceRates)),
        db.rows<LogRow>(logPatternsQuery(s, db.table, traceRates)),
      ])
  const sampledSpans = {
    selection: Math.round(selN / spanRates.sel),
    baseline: Math.round(baseN / spanRates.base),
  }
  // The span sample's sizes are estimated from the rate; the trace sample's are counted.
  const selTraces = new Set<string>()
  const baseTraces = new Set<string>()
  for (const c of compared) {
    if (c.s) selTraces.add(c.traceId)
    if (c.b) baseTraces.add(c.traceId)
  }
  const excluded = new Set(s.attrs.map((a) => `${a.key}\u0000${a.value}`))
  return {
    selection: side(sides?.selN ?? '0', sides?.selErrors ?? '0', sides?.selQ ?? []),
    baseline: side(sides?.baseN ?? '0', sides?.baseErrors ?? '0', sides?.baseQ ?? []),
    sample: {
      sampled: spanRates.sel > 1 || spanRates.base > 1 || traceRates.sel > 1 || traceRates.base > 1,
      spans: sampledSpans,
      traces: { selection: selTraces.size, baseline: baseTraces.size },
    },
    attributes: rankAttributes(attrRows, sampledSpans.selection, sampledSpans.baseline, excluded).slice(
      0,
      s.limit,
    ),
    operations: rankOperations(compared, spans).slice(0, s.limit),
    logs: rankLogPatterns(logRows, selTraces.size, baseTraces.size).slice(0, s.limit),
    exampleTraceIds: examples(compared),
  }
}

const byScore = <T extends { score: number }>(a: T, b: T) => b.score - a.score

/** A share of each side (a of n1, b of n2) that passes the support and z cut-offs. */
interface Shares {
  a: number
  b: number
  selectionShare: number
  baselineShare: number
  score: number
}

/** The two-proportion test of a of n1 against b of n2; undefined below the cut-offs. */
function overRepresented(a: number, n1: number, b: number, n2: number): Shares | undefined {
  const score = twoProportionZ(a, n1, b, n2)
  if (a < MIN_SUPPORT || score < MIN_Z) return undefined
  const share = (x: number, n: number) => (n ? Math.min(1, x / n) : 0)
  return { a, b, selectionShare: share(a, n1), baselineShare: share(b, n2), score }
}

/** `excluded`: the pairs the selection is made of (key NUL value), which say nothing new. */
export function rankAttributes(
  rows: readonly AttrRow[],
  n1: number,
  n2: number,
  excluded: ReadonlySet<string> = new Set(),
): CompareAttribute[] {
  const out: CompareAttribute[] = []
  for (const r of rows) {
    if (excluded.has(`${r.key}\u0000${r.value}`)) continue
    const t = overRepresented(Number(r.a), n1, Number(r.bb), n2)
    if (!t) continue
    const { a, b, ...shares } = t
    out.push({ key: r.key, value: r.value, scope: r.scope, selectionCount: a, baselineCount: b, ...shares })
  }
  return out.sort((x, y) => byScore(x, y) || x.key.localeCompare(y.key) || x.value.localeCompare(y.value))
}

/** Shares are of traces with a line of the pattern; counts are of lines. */
export function rankLogPatterns(rows: readonly LogRow[], n1: number, n2: number): CompareLogPattern[] {
  const out: CompareLogPattern[] = []
  for (const r of rows) {
    const t = overRepresented(Number(r.selTraces), n1, Number(r.baseTraces), n2)
    if (!t) continue
    const { a: _a, b: _b, ...shares } = t
    out.push({
      pattern: r.pattern,
      example: r.example,
      severityText: r.severityText,
      selectionCount: Number(r.selLines),
      baselineCount: Number(r.baseLines),
      ...shares,
    })
  }
  return out.sort((x, y) => byScore(x, y) || x.pattern.localeCompare(y.pattern))
}

interface PathStats {
  path: string[]
  service: string
  name: string
  /** Per side: compared spans that call it at least once. */
  having: [number, number]
  /** Per side: calls per compared span (only those that call it: the others add 0 to the sums). */
  calls: [Moments, Moments]
  /** Per side: durations of the calls, ms. */
  durations: [Moments, Moments]
  /** Per side: self times of the calls (duration less the children's, at least 0), ms. */
  selfTimes: [Moments, Moments]
}

const moments = (): Moments => ({ n: 0, sum: 0, sumSq: 0 })
const add = (m: Moments, x: number) => {
  m.n++
  m.sum += x
  m.sumSq += x * x
}

/**
 * Descendants of each sampled compared span, by path from it ("service: name" all the way down, no
 * sibling index: every call at that path counts), ranked by the largest of their three statistics.
 */
export function rankOperations(
  compared: readonly ComparedRow[],
  spans: readonly SpanRow[],
): CompareOperation[] {
  const byTrace = new Map<string, SpanRow[]>()
  for (const s of spans) {
    const list = byTrace.get(s.traceId)
    if (list) list.push(s)
    else byTrace.set(s.traceId, [s])
  }
  const trees = new Map<string, ReturnType<typeof buildSpanTree<SpanRow>>>()
  const stats = new Map<string, PathStats>()
  const n: [number, number] = [0, 0]
  for (const c of compared) {
    const sides = [c.s ? 0 : -1, c.b ? 1 : -1].filter((i) => i >= 0) as (0 | 1)[]
    let tree = trees.get(c.traceId)
    if (!tree) {
      tree = buildSpanTree(byTrace.get(c.traceId) ?? [])
      trees.set(c.traceId, tree)
    }
    const root = tree.byId.get(c.spanId)
    if (!root) continue
    for (const i of sides) n[i]++
    // Calls per path under this compared span, then folded into the per-side moments.
    const counts = new Map<string, { stats: PathStats; calls: number }>()
    const stack: { node: SpanNode<SpanRow>; path: string[] }[] = [{ node: root, path: [label(root.span)] }]
    while (stack.length) {
      const { node, path } = stack.pop() as { node: SpanNode<SpanRow>; path: string[] }
      for (const child of node.children) {
        const childPath = [...path, label(child.span)]
        const key = JSON.stringify(childPath)
        let st = stats.get(key)
        if (!st) {
          st = {
            path: childPath,
            service: child.span.service,
            name: child.span.name,
            having: [0, 0],
            calls: [moments(), moments()],
            durations: [moments(), moments()],
            selfTimes: [moments(), moments()],
          }
          stats.set(key, st)
        }
        const entry = counts.get(key) ?? { stats: st, calls: 0 }
        entry.calls++
        counts.set(key, entry)
        let childrenNs = 0
        for (const c of child.children) childrenNs += c.durationNs
        const selfMs = Math.max(0, child.durationNs - childrenNs) / 1e6
        for (const i of sides) {
          add(st.durations[i], child.durationNs / 1e6)
          add(st.selfTimes[i], selfMs)
        }
        stack.push({ node: child, path: childPath })
      }
    }
    for (const { stats: st, calls } of counts.values()) {
      for (const i of sides) {
        st.having[i]++
        add(st.calls[i], calls)
      }
    }
  }
  const out: CompareOperation[] = []
  for (const st of stats.values()) {
    if (st.having[0] < MIN_SUPPORT) continue
    // Calls per trace over every compared span: those that do not call it count 0 (adds nothing to sums).
    const calls = st.calls.map((m, i) => ({ ...m, n: n[i] })) as [Moments, Moments]
    const tests = [
      { reason: 'occurs' as const, score: twoProportionZ(st.having[0], n[0], st.having[1], n[1]) },
      { reason: 'calls' as const, score: welchT(calls[0], calls[1]) },
      { reason: 'slower' as const, score: welchT(st.selfTimes[0], st.selfTimes[1]) },
    ]
    const best = tests.reduce((x, y) => (y.score > x.score ? y : x))
    if (best.score < MIN_OPERATION_SCORE) continue
    const mean = (m: Moments) => (m.n ? m.sum / m.n : null)
    out.push({
      service: st.service,
      name: st.name,
      path: st.path,
      selectionShare: n[0] ? st.having[0] / n[0] : 0,
      baselineShare: n[1] ? st.having[1] / n[1] : 0,
      selectionCallsPerTrace: n[0] ? st.calls[0].sum / n[0] : 0,
      baselineCallsPerTrace: n[1] ? st.calls[1].sum / n[1] : 0,
      selectionMeanMs: mean(st.durations[0]),
      baselineMeanMs: mean(st.durations[1]),
      reason: best.reason,
      score: best.score,
    })
  }
  return out.sort((x, y) => byScore(x, y) || x.path.join('\n').localeCompare(y.path.join('\n')))
}

function label(span: { service: string; name: string }): string {
  return `${span.service}: ${span.name}`
}

/** The slowest selection traces, and baseline traces nearest the baseline's median. */
function examples(compared: readonly ComparedRow[]): CompareAnswer['exampleTraceIds'] {
  // Ties broken by id: the same data gives the same examples, whatever order the rows came in.
  const order = (a: ComparedRow, b: ComparedRow) =>
    Number(a.durationNs) - Number(b.durationNs) || a.traceId.localeCompare(b.traceId)
  const sel = compared.filter((c) => c.s).sort((a, b) => order(b, a))
  const base = compared.filter((c) => c.b).sort(order)
  const mid = Math.floor(base.length / 2)
  const around = base.slice(Math.max(0, mid - Math.floor(EXAMPLES / 2)), mid + Math.ceil(EXAMPLES / 2))
  const ids = (rows: ComparedRow[]) => [...new Set(rows.map((r) => r.traceId))].slice(0, EXAMPLES)
  return { selection: ids(sel.slice(0, EXAMPLES * 2)), baseline: ids(around) }
}
