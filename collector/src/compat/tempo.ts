/**
 * Tempo's query API under `/tempo` on the query port, so that Grafana's and Perses' Tempo data sources
 * read Skein without a plugin (the data source URL is `http://host:8080/tempo`). Tempo's parameters,
 * units and answer shapes: `start`/`end` in Unix seconds, `minDuration`/`maxDuration` as Go durations,
 * `tags` in logfmt, `q` in TraceQL, `spss` spans per spanset; nanoseconds as decimal strings and an
 * integer `durationMs`; trace by id in OTLP protobuf with `Accept: application/protobuf`, OTLP JSON
 * otherwise. A trace by id needs no time range: its bounds come from the trace-id table (query/trace.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { skeinError } from '../errors.js'
import type { Db } from '../query/db.js'
import { spanTime } from '../query/filters.js'
import { badParam, capLimit, num, type Query, str, type TimeRange } from '../query/params.js'
import { type Fragment, p, sql } from '../query/sql.js'
import { getTrace } from '../query/trace.js'
import { traceByIdResponseProtobuf, traceJson, traceProtobuf } from './otlp.js'
import { type TempoSearchParams, tempoSearch } from './tempo-search.js'
import { type Cond, type Field, parseGoDuration, parseTraceQL, type TraceQuery } from './traceql.js'

/** The Tempo version Skein answers as: Grafana reads it to choose its query paths (v2 tags, TraceQL). */
export const TEMPO_VERSION = '2.8.0'

/** Default lookback when a request names no range (Grafana always sends one). */
const DEFAULT_LOOKBACK_S = 3600
/** Most tag names or values in an answer. */
export const MAX_TAG_VALUES = 1000

/** `start`/`end` in Unix seconds; the last hour when absent. */
export function tempoRange(q: Query, nowMs = Date.now()): TimeRange {
  const end = num(q, 'end', { min: 0 })
  const start = num(q, 'start', { min: 0 })
  const endMs = end !== undefined && end > 0 ? end * 1000 : nowMs
  const startMs = start !== undefined && start > 0 ? start * 1000 : endMs - DEFAULT_LOOKBACK_S * 1000
  if (endMs < startMs) badParam('end', 'must not be before start')
  // `end` is a whole second: the spans within that second count.
  return { startMs, endMs: endMs + (end !== undefined && end > 0 ? 1000 : 0) }
}

function goDuration(q: Query, name: string): bigint | undefined {
  const s = str(q, name, 64)
  if (s === undefined) return undefined
  const ns = parseGoDuration(s)
  if (ns === undefined) badParam(name, `expected a duration such as 100ms or 1.5s, got ${JSON.stringify(s)}`)
  return ns
}

const TAG_INTRINSICS: Readonly<Record<string, Field>> = {
  name: { kind: 'intrinsic', name: 'name' },
  'status.code': { kind: 'intrinsic', name: 'status' },
  status: { kind: 'intrinsic', name: 'status' },
}

/** Tempo's `tags` (logfmt `key=value …`): every pair must hold for one span. */
export async function tagsQuery(tags: string): Promise<TraceQuery> {
  if (tags.trim() === '')
    return { expr: { kind: 'filter', index: 0, cond: { op: 'all' } }, filters: [{ op: 'all' }] }
  // The logfmt package is lenient where Tempo's decoder (go-logfmt) is not: an unterminated quote.
  if ((tags.replace(/\\./g, '').match(/"/g)?.length ?? 0) % 2 === 1)
    badParam('tags', 'expected logfmt (key=value …): a quote is not closed')
  // Loaded when a request has tags (most send TraceQL): its stream modules cost ~90 ms of start-up.
  const { default: logfmt } = await import('logfmt')
  let pairs: Record<string, string | boolean>
  try {
    pairs = logfmt.parse(tags) as Record<string, string | boolean>
  } catch {
    return badParam('tags', 'expected logfmt (key=value …)')
  }
  let cond: Cond = { op: 'all' }
  for (const [key, raw] of Object.entries(pairs)) {
    const text = raw === true ? '' : String(raw)
    const f: Field = TAG_INTRINSICS[key] ?? { kind: 'attr', scope: 'any', key }
    const atom: Cond = { op: '=', field: f, value: { type: 'string', value: text } }
    cond = cond.op === 'all' ? atom : { op: 'and', left: cond, right: atom }
  }
  return { expr: { kind: 'filter', index: 0, cond }, filters: [cond] }
}

export async function tempoSearchParams(q: Query): Promise<TempoSearchParams> {
  const traceql = str(q, 'q', 8192)
  const tags = str(q, 'tags', 8192)
  const query =
    traceql !== undefined && traceql.trim() !== '' ? parseTraceQL(traceql) : await tagsQuery(tags ?? '')
  const minDurationNs = goDuration(q, 'minDuration')
  const maxDurationNs = goDuration(q, 'maxDuration')
  if (minDurationNs !== undefined && maxDurationNs !== undefined && maxDurationNs < minDurationNs)
    badParam('maxDuration', 'must be greater than minDuration')
  const limit = num(q, 'limit', { min: 1 })
  const spss = num(q, 'spss', { min: 1, max: 1000 })
  return {
    query,
    range: tempoRange(q),
    minDurationNs,
    maxDurationNs,
    limit: capLimit(limit),
    spss: spss ?? 3,
  }
}

/** Tempo's ids may come shorter (leading zeros dropped); stored ids are 32 lowercase hex characters. */
export function traceIdParam(id: string): string {
  if (!/^[0-9a-fA-F]{1,32}$/.test(id)) badParam('traceID', 'expected up to 32 hexadecimal characters')
  return id.toLowerCase().padStart(32, '0')
}

const INTRINSIC_TAGS = [
  'duration',
  'kind',
  'name',
  'rootName',
  'rootServiceName',
  'status',
  'statusMessage',
  'traceDuration',
]

type Scope = 'span' | 'resource'

function keysQuery(scope: Scope, range: TimeRange, table: (n: string) => Fragment): Fragment {
  const map = scope === 'span' ? sql`SpanAttributes` : sql`ResourceAttributes`
  return sql`
    SELECT k FROM (
      SELECT arrayJoin(mapKeys(${map})) AS k FROM ${table('otel_traces')} WHERE ${spanTime(range)})
    GROUP BY k ORDER BY k LIMIT ${p.UInt32(MAX_TAG_VALUES)}`
}

async function tagNames(db: Db, scope: Scope, range: TimeRange): Promise<string[]> {
  const rows = await db.rows<{ k: string }>(keysQuery(scope, range, db.table))
  const keys = rows.map((r) => r.k)
  if (scope === 'resource' && !keys.includes('service.name')) keys.unshift('service.name')
  return keys.sort()
}

/** The distinct values of an expression over spans in range, most frequent first. */
async function distinct(db: Db, expr: Fragment, range: TimeRange, where?: Fragment): Promise<string[]> {
  const rows = await db.rows<{ v: string }>(sql`
    SELECT ${expr} AS v FROM ${db.table('otel_traces')}
    WHERE ${spanTime(range)} ${where ? sql`AND ${where}` : sql``}
    GROUP BY v HAVING v != '' ORDER BY count() DESC, v LIMIT ${p.UInt32(MAX_TAG_VALUES)}`)
  return rows.map((r) => r.v)
}

function attrValues(db: Db, scope: Scope | 'any', key: string, range: TimeRange): Promise<string[]> {
  const k = p.String(key)
  if (key === 'service.name' && scope !== 'span') return distinct(db, sql`ServiceName`, range)
  if (scope === 'span')
    return distinct(db, sql`SpanAttributes[${k}]`, range, sql`mapContains(SpanAttributes, ${k})`)
  if (scope === 'resource')
    return distinct(db, sql`ResourceAttributes[${k}]`, range, sql`mapContains(ResourceAttributes, ${k})`)
  return distinct(
    db,
    sql`if(mapContains(SpanAttributes, ${k}), SpanAttributes[${k}], ResourceAttributes[${k}])`,
    range,
    sql`(mapContains(SpanAttributes, ${k}) OR mapContains(ResourceAttributes, ${k}))`,
  )
}

/** Tempo's value types, guessed from the stored text (attributes are stored as strings). */
export function valueType(v: string): 'int' | 'float' | 'bool' | 'string' {
  if (/^-?\d{1,18}$/.test(v)) return 'int'
  if (/^-?\d+\.\d+$/.test(v)) return 'float'
  if (v === 'true' || v === 'false') return 'bool'
  return 'string'
}

const KEYWORDS: Readonly<Record<string, string[]>> = {
  status: ['error', 'ok', 'unset'],
  kind: ['client', 'consumer', 'internal', 'producer', 'server', 'unspecified'],
}

async function tagValuesV2(db: Db, name: string, range: TimeRange) {
  if (Object.hasOwn(KEYWORDS, name)) return KEYWORDS[name].map((value) => ({ type: 'keyword', value }))
  const text = (values: string[]) => values.map((value) => ({ type: 'string', value }))
  if (name === 'name') return text(await distinct(db, sql`SpanName`, range))
  if (name === 'rootName') return text(await distinct(db, sql`SpanName`, range, sql`ParentSpanId = ''`))
  if (name === 'rootServiceName')
    return text(await distinct(db, sql`ServiceName`, range, sql`ParentSpanId = ''`))
  if (name === 'statusMessage') return text(await distinct(db, sql`StatusMessage`, range))
  if (INTRINSIC_TAGS.includes(name)) return []
  // Scopes Skein does not store (events, links, instrumentation scope attributes) have no values; Grafana's
  // editor asks for them while a query is typed.
  if (/^(event|link|instrumentation)[.:]/.test(name)) return []
  const m = /^(resource|span)?\.(.+)$/.exec(name)
  if (!m) throw skeinError('UNSUPPORTED_QUERY', `no such tag: ${JSON.stringify(name.slice(0, 200))}`)
  const values = await attrValues(db, (m[1] as Scope | undefined) ?? 'any', m[2], range)
  return values.map((value) => ({ type: valueType(value), value }))
}

function wantsProtobuf(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').split(',').some((a) => a.trim().startsWith('application/protobuf'))
}

async function traceById(db: Db, req: FastifyRequest, reply: FastifyReply, v2: boolean) {
  const id = traceIdParam((req.params as { traceId: string }).traceId)
  const { spans } = await getTrace(db, id)
  if (wantsProtobuf(req)) {
    const body = await (v2 ? traceByIdResponseProtobuf(spans) : traceProtobuf(spans))
    return reply.type('application/protobuf').send(Buffer.from(body.buffer, body.byteOffset, body.byteLength))
  }
  const resourceSpans = traceJson(spans)
  return v2 ? { trace: { resourceSpans }, status: 'COMPLETE' } : { batches: resourceSpans }
}

const METRICS = { inspectedBytes: '0', completedJobs: 1, totalJobs: 1 }

/** Registers Tempo's endpoints under /tempo. */
export function tempoRoutes(app: FastifyInstance, db: Db): void {
  const q = (req: FastifyRequest) => req.query as Query
  app.get('/tempo/api/echo', async (_req, reply) => reply.type('text/plain').send('echo'))
  app.get('/tempo/ready', async (_req, reply) => reply.type('text/plain').send('ready'))
  app.get('/tempo/api/status/buildinfo', async () => ({
    version: TEMPO_VERSION,
    revision: 'skein',
    branch: 'skein',
    buildUser: 'skein',
    buildDate: '',
    goVersion: '',
  }))
  app.get('/tempo/api/traces/:traceId', (req, reply) => traceById(db, req, reply, false))
  app.get('/tempo/api/v2/traces/:traceId', (req, reply) => traceById(db, req, reply, true))
  app.get('/tempo/api/search', async (req) => ({
    ...(await tempoSearch(db, await tempoSearchParams(q(req)))),
    metrics: METRICS,
  }))
  app.get('/tempo/api/search/tags', async (req) => {
    const range = tempoRange(q(req))
    const scope = str(q(req), 'scope')
    if (scope === 'intrinsic') return { tagNames: INTRINSIC_TAGS }
    const names = new Set<string>()
    if (scope !== 'resource') for (const k of await tagNames(db, 'span', range)) names.add(k)
    if (scope !== 'span') for (const k of await tagNames(db, 'resource', range)) names.add(k)
    return { tagNames: [...names].sort() }
  })
  app.get('/tempo/api/v2/search/tags', async (req) => {
    const range = tempoRange(q(req))
    const scope = str(q(req), 'scope') ?? 'all'
    if (!['all', 'span', 'resource', 'intrinsic'].includes(scope))
      badParam('scope', 'expected span, resource, intrinsic or all')
    const scopes: { name: string; tags: string[] }[] = []
    for (const s of ['resource', 'span'] as const)
      if (scope === 'all' || scope === s) scopes.push({ name: s, tags: await tagNames(db, s, range) })
    if (scope === 'all' || scope === 'intrinsic') scopes.push({ name: 'intrinsic', tags: INTRINSIC_TAGS })
    return { scopes, metrics: { inspectedBytes: '0' } }
  })
  app.get('/tempo/api/search/tag/:name/values', async (req) => {
    const name = (req.params as { name: string }).name
    const values = await attrValues(db, 'any', name, tempoRange(q(req)))
    return { tagValues: values, metrics: { inspectedBytes: '0' } }
  })
  app.get('/tempo/api/v2/search/tag/:name/values', async (req) => ({
    tagValues: await tagValuesV2(db, (req.params as { name: string }).name, tempoRange(q(req))),
    metrics: { inspectedBytes: '0' },
  }))
  app.all('/tempo/*', async (req) => {
    throw skeinError('NOT_FOUND', `no Tempo endpoint ${req.method} ${req.url.split('?')[0].slice(0, 200)}`)
  })
}
