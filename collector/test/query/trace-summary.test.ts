/**
 * Trace search from the trace summaries (skein_trace_summary) gives exactly the answers of the search
 * over the spans alone (the reference): the same traces, in the same order, with the same root, bounds,
 * counts and services. On the query tests' shop, and on a trace whose spans arrive in several requests
 * minutes apart (each sent once the one before is readable, so each is stored by an insert of its own
 * and is a summary row of its own; the root's part last): the summary aggregates them at read time.
 *
 * Sent through a real collector (OTLP/HTTP protobuf exporter); then, the collector stopped, both searches
 * run on its data dir in this process, the only way to run the reference next to the served one.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { loadConfig } from '../../src/config.js'
import { createDb, type Db } from '../../src/query/db.js'
import { p, sql } from '../../src/query/sql.js'
import {
  parseTraceSearchParams,
  RECENT_SLICE_MINUTES,
  searchTraces,
  searchTracesFromSpans,
} from '../../src/query/trace-search.js'
import { openStorage, type Storage } from '../../src/storage/storage.js'
import { type Shop, sendShop } from './shop-fixture.js'

const MIN = 60_000
let collector: RunningCollector
let stopped = false
let storage: Storage
let db: Db
let shop: Shop
/** A job: gateway's root, a worker's span 3 min later, a db span 6 min later; sent db, worker, root. */
let job: { traceId: string; rootMs: number }

const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6]

/**
 * One service's spans of an existing trace, exported by the official SDK in a request of their own and
 * acknowledged (so stored) before this resolves. `parent`: the trace's and the parent span's ids.
 */
async function sendPart(
  ingestUrl: string,
  service: string,
  parent: { traceId: string; spanId: string },
  spans: { name: string; atMs: number; ms: number; error?: boolean; kind?: SpanKind }[],
): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${ingestUrl}/v1/traces` }))],
  })
  const tracer = provider.getTracer('skein-summary-test')
  const ctx = trace.setSpanContext(context.active(), { ...parent, traceFlags: 1 })
  for (const s of spans) {
    const span = tracer.startSpan(s.name, { kind: s.kind ?? SpanKind.INTERNAL, startTime: hr(s.atMs) }, ctx)
    if (s.error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' })
    span.end(hr(s.atMs + s.ms))
  }
  await provider.forceFlush()
  await provider.shutdown()
}

/**
 * Waits until the trace has `n` spans readable: the insert that stored them is done (a 2xx means
 * durable in the write-ahead log; storage takes it shortly after).
 */
async function readable(traceId: string, n: number): Promise<void> {
  let last = { status: 0, body: undefined as unknown }
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    last = await getJson(`${collector.apiUrl}/api/v1/traces/${traceId}`)
    if (last.status === 200 && (last.body as { spans: unknown[] }).spans.length === n) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`trace ${traceId} never had ${n} spans: ${last.status} ${JSON.stringify(last.body)}`)
}

beforeAll(async () => {
  collector = await startCollector()
  shop = await sendShop(collector.ingestUrl)
  // The root's ids are made up front, so that its children can be sent (and stored) before it is.
  const rootMs = shop.base + 42 * MIN
  const rootIds = { traceId: 'c0ffee'.padEnd(32, '1'), spanId: 'beef'.padEnd(16, '2') }
  await sendPart(collector.ingestUrl, 'db', rootIds, [{ name: 'COPY rows', atMs: rootMs + 6 * MIN, ms: 500 }])
  await readable(rootIds.traceId, 1)
  await sendPart(collector.ingestUrl, 'worker', rootIds, [
    { name: 'process batch', atMs: rootMs + 3 * MIN, ms: 2000, error: true },
  ])
  await readable(rootIds.traceId, 2)
  // The root itself, last: a span without a parent gets these ids through the SDK's id generator.
  const root = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'gateway' }),
    idGenerator: { generateTraceId: () => rootIds.traceId, generateSpanId: () => rootIds.spanId },
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${collector.ingestUrl}/v1/traces` })),
    ],
  })
  root
    .getTracer('skein-summary-test')
    .startSpan('POST /import', { kind: SpanKind.SERVER, startTime: hr(rootMs), root: true })
    .end(hr(rootMs + 100))
  await root.forceFlush()
  await root.shutdown()
  await readable(rootIds.traceId, 3)
  job = { traceId: rootIds.traceId, rootMs }
  await collector.stop({ keepData: true })
  stopped = true
  storage = await openStorage(loadConfig({ dataDir: collector.dataDir, logLevel: 'silent' }, {}))
  db = createDb(storage.queryClients, storage.table, 30_000, { sessionSettings: true })
}, 120_000)
afterAll(async () => {
  await storage?.close()
  // A failed set-up leaves the collector running: stop it (its data dir goes below).
  if (collector && !stopped) await collector.stop({ keepData: true })
  if (collector) rmSync(join(collector.dataDir, '..'), { recursive: true, force: true })
})

/** `a=1&attr=x=y&attr=z=w` → the query object the API's parser takes (repeated keys as arrays). */
function query(params: string): Record<string, string | string[]> {
  const q: Record<string, string | string[]> = {}
  for (const [k, v] of new URLSearchParams(params)) {
    const had = q[k]
    q[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v]
  }
  if (typeof q.attr === 'string') q.attr = [q.attr]
  return q
}

const SEARCHES = [
  '',
  'lookback=4h',
  'lookback=4h&limit=3',
  'limit=2',
  'service=payments',
  'service=orders',
  'service=db',
  'service=worker&status=error',
  'service=gateway&status=error',
  'operation=GET+/orders/:id',
  'service=orders&operation=GET+/orders/:id',
  'service=gateway&operation=GET+/orders/:id',
  'operation=COPY+rows',
  'minDurationMs=400',
  'maxDurationMs=150',
  'minDurationMs=100&maxDurationMs=300',
  'minDurationMs=499.9&maxDurationMs=500.1',
  'minDurationMs=300000',
  'status=error',
  'status=ok',
  'status=error&service=orders',
  'attr=tenant=acme',
  'attr=service.name=search',
  `attr=${encodeURIComponent('http.route=/orders/:id')}&attr=tenant=acme`,
  'attr=tenant=',
  'attr=deployment.environment=test&minDurationMs=200',
]

describe('trace search from the summaries', () => {
  it('has a summary row per request of the trace sent in parts, and one trace of them in the answer', async () => {
    const rows = await db.rows<{ n: string }>(
      sql`SELECT count() AS n FROM ${db.table('skein_trace_summary')} WHERE TraceId = ${p.String(job.traceId)}`,
    )
    expect(Number(rows[0].n)).toBe(3)
    const [found] = (await searchTraces(db, parseTraceSearchParams(query('service=worker')))).traces
    expect(found).toMatchObject({
      traceId: job.traceId,
      rootService: 'gateway',
      rootName: 'POST /import',
      spanCount: 3,
      errorCount: 1,
      services: ['db', 'gateway', 'worker'],
      durationMs: 6 * MIN + 500,
    })
  })

  it.each(SEARCHES)('answers %j exactly as the search over spans does', async (params) => {
    const s = parseTraceSearchParams(query(params))
    const [fromSummary, fromSpans] = await Promise.all([searchTraces(db, s), searchTracesFromSpans(db, s)])
    expect(fromSummary).toEqual(fromSpans)
  })

  it('answers for each part of the trace sent in parts when the range holds only that part', async () => {
    for (const [fromMin, toMin] of [
      [-1, 1],
      [2, 4],
      [5, 7],
    ]) {
      const s = parseTraceSearchParams({
        start: String(job.rootMs + fromMin * MIN),
        end: String(job.rootMs + toMin * MIN),
      })
      const [fromSummary, fromSpans] = await Promise.all([searchTraces(db, s), searchTracesFromSpans(db, s)])
      expect(fromSummary.traces.map((t) => t.traceId)).toContain(job.traceId)
      expect(fromSummary).toEqual(fromSpans)
    }
  })
})

describe('trace search from the recent slice of its range', () => {
  /** The db, counting the statements run through it. */
  const counting = () => {
    const counted = { statements: 0, db: undefined as unknown as Db }
    counted.db = {
      ...db,
      rows: (f) => {
        counted.statements++
        return db.rows(f)
      },
    }
    return counted
  }

  it('answers from the last minutes alone when they hold enough matching traces, as the spans do', async () => {
    const s = parseTraceSearchParams(query('limit=2'))
    const c = counting()
    const fromSummary = await searchTraces(c.db, s)
    // The slice, then the check that none of its traces has older rows: no search of the whole range.
    expect(c.statements).toBe(2)
    expect(fromSummary.traces).toHaveLength(2)
    expect(fromSummary).toEqual(await searchTracesFromSpans(db, s))
  })

  it('searches the whole range when a trace of the slice began before it (sent in parts across its edge)', async () => {
    // The slice holds the job's worker and db parts (3 and 6 min after its root) but not its root.
    const end = job.rootMs + (RECENT_SLICE_MINUTES + 2) * MIN
    const s = parseTraceSearchParams({ start: String(end - 60 * MIN), end: String(end), limit: '1' })
    const c = counting()
    const fromSummary = await searchTraces(c.db, s)
    expect(c.statements).toBe(3)
    expect(fromSummary.traces.map((t) => [t.traceId, t.spanCount, t.rootService])).toEqual([
      [job.traceId, 3, 'gateway'],
    ])
    expect(fromSummary).toEqual(await searchTracesFromSpans(db, s))
  })
})
