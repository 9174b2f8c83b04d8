/**
 * Loki's query API under `/loki/api/v1` on the query port (the ingest port serves `POST …/push`), so that
 * Grafana's and Perses' Loki data sources read Skein's logs: `query_range`, `query`, `labels`,
 * `label/{name}/values`, `series`, `index/stats`, with Loki's parameters (`start`/`end` in Unix ns, or
 * RFC 3339, or seconds, as Loki reads them; `step` in seconds or as a duration such as `60000ms`; `direction`; `limit`)
 * and answer shapes (`streams` with `[ns, line]` values; `matrix`/`vector` with `[seconds, "value"]`).
 *
 * A line's labels are its stream's (the resource attributes, `.` written `_`), `service_name`, `level`
 * (the severity text, lower-cased) and, as Loki returns structured metadata, `trace_id` / `span_id`.
 * Metric series: `count_over_time` / `rate` at each step over the range before it, from counts per step
 * (a range that is not a whole number of steps is rounded to one); without `sum`, one series per service
 * and level. A query naming `trace_id="…"` (Grafana's trace → logs link) reads the trace's own log window
 * (its bounds from the trace-id table, widened as in query/trace.ts) instead of the requested range.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { clip, skeinError } from '../errors.js'
import type { Db } from '../query/db.js'
import { logTime } from '../query/filters.js'
import { badParam, num, type Query, str, strs, type TimeRange } from '../query/params.js'
import { type Fragment, join, p, sql, where } from '../query/sql.js'
import { LOG_MARGIN_SECONDS, LOG_TAIL_SECONDS } from '../query/trace.js'
import {
  askedTraceId,
  type LogQuery,
  type LogSelection,
  labelExpr,
  parseLogQL,
  selectionConditions,
} from './logql.js'

/** Loki's defaults: 100 lines, the last hour; the most lines one answer holds. */
export const DEFAULT_LINES = 100
export const MAX_LINES = 5000
/** Most points of one series; a smaller step is refused (Loki's own bound is 11,000). */
export const MAX_POINTS = 11_000
const MAX_SERIES = 500
const MAX_LABEL_VALUES = 1000

/** A Loki timestamp: integer Unix ns, RFC 3339, or float Unix seconds. Unix ms as a number. */
export function lokiTime(q: Query, name: string): number | undefined {
  const s = str(q, name, 64)
  if (s === undefined) return undefined
  // As Loki reads them: an integer of up to 10 digits is seconds (what Perses sends), a longer one ns.
  if (/^\d{1,10}$/.test(s)) return Number(s) * 1000
  if (/^\d+$/.test(s)) return Number(BigInt(s) / 1_000_000n) + (BigInt(s) % 1_000_000n > 0n ? 1 : 0)
  if (/^\d+\.\d*$/.test(s)) return Math.round(Number(s) * 1000)
  const t = Date.parse(s)
  if (Number.isNaN(t)) badParam(name, 'expected Unix nanoseconds, RFC 3339 or Unix seconds')
  return t
}

export function lokiRange(q: Query, nowMs = Date.now()): TimeRange {
  const endMs = lokiTime(q, 'end') ?? nowMs
  const startMs = lokiTime(q, 'start') ?? endMs - 3_600_000
  if (startMs > endMs) badParam('start', 'must not be after end')
  return { startMs, endMs: Math.max(endMs, startMs + 1) }
}

/** `step` in float seconds or as a duration (`60000ms`, `1m`); default Loki's, (end − start) / 250. */
export function stepMs(q: Query, range: TimeRange): number {
  const s = str(q, 'step', 32)
  let ms: number | undefined
  if (s === undefined) ms = Math.max(1000, Math.ceil((range.endMs - range.startMs) / 250 / 1000) * 1000)
  else if (/^\d+(\.\d+)?$/.test(s)) ms = Number(s) * 1000
  else {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(s)
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
    ms = m ? Number(m[1]) * unit[m[2] as keyof typeof unit] : undefined
  }
  if (ms === undefined || !(ms > 0)) return badParam('step', 'expected seconds or a duration such as 15s')
  if ((range.endMs - range.startMs) / ms > MAX_POINTS)
    badParam('step', `more than ${MAX_POINTS} points; use a larger step`)
  return ms
}

function queryParam(q: Query, name = 'query'): LogQuery {
  const text = str(q, name, 8192)
  if (text === undefined) return badParam(name, 'required')
  return parseLogQL(text)
}

/** The window of otel_logs a trace's lines are in (as query/trace.ts reads them), if the trace is known. */
async function traceWindow(db: Db, traceId: string): Promise<TimeRange | undefined> {
  const [b] = await db.rows<{ n: string; s: number; e: number }>(sql`
    SELECT count() AS n, toUnixTimestamp(min(Start)) AS s, toUnixTimestamp(max(End)) AS e
    FROM ${db.table('otel_traces_trace_id_ts')} WHERE TraceId = ${p.String(traceId)}`)
  if (!b || Number(b.n) === 0) return undefined
  return {
    startMs: (Number(b.s) - LOG_MARGIN_SECONDS) * 1000,
    endMs: (Number(b.e) + LOG_MARGIN_SECONDS + LOG_TAIL_SECONDS) * 1000,
  }
}

async function rangeFor(db: Db, sel: LogSelection, asked: TimeRange): Promise<TimeRange> {
  const id = askedTraceId(sel)
  return (id && (await traceWindow(db, id))) || asked
}

interface LineRow {
  ts: string
  body: string
  service: string
  level: string
  traceId: string
  spanId: string
  res: Record<string, string>
}

/** A line's labels, as Loki shows them (see the module's comment). */
function labelsOf(r: Omit<LineRow, 'ts' | 'body'>): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const [k, v] of Object.entries(r.res)) labels[k.replaceAll('.', '_')] = v
  labels.service_name = r.service
  if (r.level) labels.level = r.level
  if (r.traceId) labels.trace_id = r.traceId
  if (r.spanId) labels.span_id = r.spanId
  return labels
}

export function lokiLinesQuery(
  sel: LogSelection,
  range: TimeRange,
  limit: number,
  forward: boolean,
  table: (n: string) => Fragment,
): Fragment {
  return sql`
    SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, Body AS body, ServiceName AS service,
      lower(SeverityText) AS level, TraceId AS traceId, SpanId AS spanId, ResourceAttributes AS res
    FROM ${table('otel_logs')}
    ${where([logTime(range), ...selectionConditions(sel)])}
    ORDER BY Timestamp ${forward ? sql`ASC` : sql`DESC`}
    LIMIT ${p.UInt32(limit)}`
}

async function streams(db: Db, sel: LogSelection, range: TimeRange, limit: number, forward: boolean) {
  const rows = await db.rows<LineRow>(
    lokiLinesQuery(sel, await rangeFor(db, sel, range), limit, forward, db.table),
  )
  const byLabels = new Map<string, { stream: Record<string, string>; values: [string, string][] }>()
  for (const r of rows) {
    const stream = labelsOf(r)
    const key = JSON.stringify(Object.entries(stream).sort())
    let s = byLabels.get(key)
    if (!s) {
      s = { stream, values: [] }
      byLabels.set(key, s)
    }
    s.values.push([r.ts, r.body])
  }
  return { resultType: 'streams' as const, result: [...byLabels.values()], stats: {} }
}

/** The labels a metric series is split by: `sum by (…)`'s, or service and level without `sum`. */
function seriesLabels(m: Extract<LogQuery, { kind: 'metric' }>): string[] {
  return m.by ?? ['service_name', 'level']
}

export function lokiCountsQuery(
  m: Extract<LogQuery, { kind: 'metric' }>,
  range: TimeRange,
  step: number,
  table: (n: string) => Fragment,
): { query: Fragment; buckets: number; origin: number } {
  const buckets = Math.max(1, Math.round(m.rangeMs / step))
  const origin = range.startMs - buckets * step
  const labels = seriesLabels(m)
  const stepNs = p.Int64(BigInt(Math.round(step * 1e6)))
  const originNs = p.Int64(BigInt(Math.round(origin)) * 1_000_000n)
  const groups = labels.map((l) => labelExpr(l))
  const query = sql`
    SELECT intDiv(toUnixTimestamp64Nano(Timestamp) - ${originNs} - 1, ${stepNs}) AS j,
      [${join(groups.length ? groups : [sql`''`], ', ')}] AS g, count() AS c
    FROM ${table('otel_logs')}
    ${where([logTime({ startMs: origin, endMs: range.endMs + 1 }), ...selectionConditions(m.selection)])}
    GROUP BY j, g
    LIMIT 1000000`
  return { query, buckets, origin }
}

async function matrix(db: Db, m: Extract<LogQuery, { kind: 'metric' }>, range: TimeRange, step: number) {
  const { query, buckets } = lokiCountsQuery(m, range, step, db.table)
  const rows = await db.rows<{ j: string; g: string[]; c: string }>(query)
  const labels = seriesLabels(m)
  const points = Math.floor((range.endMs - range.startMs) / step) + 1
  const series = new Map<string, { metric: Record<string, string>; counts: Map<number, number> }>()
  for (const r of rows) {
    const key = JSON.stringify(r.g)
    let s = series.get(key)
    if (!s) {
      if (series.size >= MAX_SERIES) continue
      const metric: Record<string, string> = {}
      labels.forEach((l, i) => {
        if (r.g[i] !== '') metric[l] = r.g[i]
      })
      s = { metric, counts: new Map() }
      series.set(key, s)
    }
    s.counts.set(Number(r.j), Number(r.c))
  }
  const result = [...series.values()].map((s) => {
    const values: [number, string][] = []
    for (let k = 0; k < points; k++) {
      // The point at start + k·step counts buckets k … k + buckets − 1 (the range before it).
      let total = 0
      for (let j = k; j < k + buckets; j++) total += s.counts.get(j) ?? 0
      if (total === 0) continue
      const value = m.fn === 'rate' ? total / (m.rangeMs / 1000) : total
      values.push([(range.startMs + k * step) / 1000, String(value)])
    }
    return { metric: s.metric, values }
  })
  return { resultType: 'matrix' as const, result: result.filter((s) => s.values.length > 0), stats: {} }
}

function direction(q: Query): boolean {
  const d = str(q, 'direction', 16) ?? 'backward'
  if (d !== 'forward' && d !== 'backward') badParam('direction', 'expected forward or backward')
  return d === 'forward'
}

function lines(q: Query): number {
  const n = num(q, 'limit', { min: 1 })
  return Math.min(n ?? DEFAULT_LINES, MAX_LINES)
}

async function queryRange(db: Db, q: Query) {
  const query = queryParam(q)
  const range = lokiRange(q)
  if (query.kind === 'logs') return streams(db, query.selection, range, lines(q), direction(q))
  const step = stepMs(q, range)
  if (query.kind === 'scalar') {
    const values: [number, string][] = []
    for (let t = range.startMs; t <= range.endMs; t += step) values.push([t / 1000, String(query.value)])
    return { resultType: 'matrix' as const, result: [{ metric: {}, values }], stats: {} }
  }
  return matrix(
    db,
    { ...query, selection: query.selection },
    await rangeFor(db, query.selection, range),
    step,
  )
}

async function instantQuery(db: Db, q: Query) {
  const query = queryParam(q)
  const at = lokiTime(q, 'time') ?? Date.now()
  if (query.kind === 'scalar')
    return {
      resultType: 'vector' as const,
      result: [{ metric: {}, value: [at / 1000, String(query.value)] }],
      stats: {},
    }
  if (query.kind === 'logs')
    return streams(db, query.selection, { startMs: at - 3_600_000, endMs: at }, lines(q), direction(q))
  const range = { startMs: at, endMs: at }
  const m = await matrix(db, query, range, Math.max(1, query.rangeMs))
  return {
    resultType: 'vector' as const,
    result: m.result.map((s) => ({ metric: s.metric, value: s.values[s.values.length - 1] })),
    stats: {},
  }
}

/**
 * `/index/volume` (at `end`, over the whole range) and `/index/volume_range` (per step): lines per value of
 * the selector's labels (`service_name` when it names none), Loki's volume endpoints that Perses' Loki
 * plugin reads.
 */
async function indexVolume(db: Db, q: Query, ranged: boolean) {
  const [sel, ...more] = selections(q, 'query')
  if (!sel || more.length) return badParam('query', 'expected one stream selector')
  const labels = [...new Set(sel.matchers.flatMap((m) => ('label' in m ? [m.label] : [])))]
  const range = lokiRange(q)
  const span = Math.max(1, range.endMs - range.startMs)
  const step = ranged ? stepMs(q, range) : span
  const m: Extract<LogQuery, { kind: 'metric' }> = {
    kind: 'metric',
    fn: 'count_over_time',
    rangeMs: step,
    selection: sel,
    by: labels.length ? labels : ['service_name'],
  }
  const at = ranged ? range : { startMs: range.endMs, endMs: range.endMs }
  const result = await matrix(db, m, at, step)
  if (ranged) return result
  return {
    resultType: 'vector' as const,
    result: result.result.map((s) => ({ metric: s.metric, value: s.values[s.values.length - 1] })),
    stats: {},
  }
}

/** Selections of an optional `query` (labels, values) or repeatable `match[]` (series). */
function selections(q: Query, name: string): LogSelection[] {
  const texts = name === 'match[]' ? strs(q, name) : [str(q, name, 8192)].filter((x) => x !== undefined)
  return texts.map((t) => {
    const parsed = parseLogQL(t as string)
    if (parsed.kind === 'scalar') return badParam(name, 'expected a stream selector')
    return parsed.selection
  })
}

function anyOf(sels: LogSelection[]): Fragment[] {
  if (sels.length === 0) return []
  return [
    sql`(${join(
      sels.map((s) => sql`(${join([sql`1`, ...selectionConditions(s)], ' AND ')})`),
      ' OR ',
    )})`,
  ]
}

async function labelNames(db: Db, q: Query): Promise<string[]> {
  const range = lokiRange(q)
  const rows = await db.rows<{ k: string }>(sql`
    SELECT replaceAll(k, '.', '_') AS k FROM (
      SELECT arrayJoin(mapKeys(ResourceAttributes)) AS k FROM ${db.table('otel_logs')}
      ${where([logTime(range), ...anyOf(selections(q, 'query'))])})
    GROUP BY k ORDER BY k LIMIT ${p.UInt32(MAX_LABEL_VALUES)}`)
  return [...new Set(['level', 'service_name', ...rows.map((r) => r.k)])].sort()
}

async function labelValues(db: Db, name: string, q: Query): Promise<string[]> {
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) || name.length > 256)
    badParam('name', `not a label name: ${JSON.stringify(clip(name, 100))}`)
  const range = lokiRange(q)
  const rows = await db.rows<{ v: string }>(sql`
    SELECT ${labelExpr(name)} AS v FROM ${db.table('otel_logs')}
    ${where([logTime(range), ...anyOf(selections(q, 'query'))])}
    GROUP BY v HAVING v != '' ORDER BY v LIMIT ${p.UInt32(MAX_LABEL_VALUES)}`)
  return rows.map((r) => r.v)
}

async function series(db: Db, q: Query) {
  const range = lokiRange(q)
  const rows = await db.rows<Omit<LineRow, 'ts' | 'body' | 'traceId' | 'spanId'>>(sql`
    SELECT ServiceName AS service, lower(SeverityText) AS level, ResourceAttributes AS res
    FROM ${db.table('otel_logs')}
    ${where([logTime(range), ...anyOf(selections(q, 'match[]'))])}
    GROUP BY service, level, res LIMIT ${p.UInt32(MAX_SERIES)}`)
  return rows.map((r) => labelsOf({ ...r, traceId: '', spanId: '' }))
}

async function indexStats(db: Db, q: Query) {
  const range = lokiRange(q)
  const [r] = await db.rows<{ streams: string; entries: string; bytes: string }>(sql`
    SELECT uniqExact(ServiceName, ResourceAttributes) AS streams, count() AS entries, sum(length(Body)) AS bytes
    FROM ${db.table('otel_logs')}
    ${where([logTime(range), ...anyOf(selections(q, 'query'))])}`)
  const streamsN = Number(r?.streams ?? 0)
  return {
    streams: streamsN,
    chunks: streamsN,
    entries: Number(r?.entries ?? 0),
    bytes: Number(r?.bytes ?? 0),
  }
}

const success = <T>(data: T) => ({ status: 'success', data })

/** Registers Loki's query endpoints under /loki/api/v1. */
export function lokiRoutes(app: FastifyInstance, db: Db): void {
  const q = (req: FastifyRequest) => req.query as Query
  const base = '/loki/api/v1'
  app.get(`${base}/query_range`, async (req) => success(await queryRange(db, q(req))))
  app.get(`${base}/query`, async (req) => success(await instantQuery(db, q(req))))
  app.get(`${base}/labels`, async (req) => success(await labelNames(db, q(req))))
  app.get(`${base}/label`, async (req) => success(await labelNames(db, q(req))))
  app.get(`${base}/label/:name/values`, async (req) =>
    success(await labelValues(db, (req.params as { name: string }).name, q(req))),
  )
  app.get(`${base}/series`, async (req) => success(await series(db, q(req))))
  app.get(`${base}/index/stats`, async (req) => indexStats(db, q(req)))
  app.get(`${base}/index/volume`, async (req) => success(await indexVolume(db, q(req), false)))
  app.get(`${base}/index/volume_range`, async (req) => success(await indexVolume(db, q(req), true)))
  app.all('/loki/*', async (req) => {
    throw skeinError('NOT_FOUND', `no Loki endpoint ${req.method} ${req.url.split('?')[0].slice(0, 200)}`)
  })
}
