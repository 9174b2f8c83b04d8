/**
 * `npm run bench:query`: query latency as data grows, through the HTTP API of a real collector.
 *
 * Data sets, one run:
 * - BENCH_SIZES (default 10M and 50M spans) generated inside the engine: traces of 10 spans (a root and a
 *   tree under it) over 20 services and 200 operations, spread over the last 24 h, a log line for a tenth
 *   of the spans, by `INSERT ... SELECT ... FROM numbers()` in 1M-row chunks through the storage module
 *   (the exporter schema and Skein's views, as in production), so the load generator is not what is
 *   measured.
 * - BENCH_INGEST_SPANS (default: the first size; 0 to skip) of the same shape sent through the collector's
 *   real ingest path at full speed: OTLP/HTTP JSON requests of one service's spans each (about 500; a
 *   trace's spans in several requests, as its services send them), log lines by Loki push; its active
 *   parts are reported, since production-shaped parts (many, small, still merging) are what users query.
 *
 * Each data set is then served by `skein serve` on its data dir and every endpoint timed from a client
 * (p50/p95 over BENCH_RUNS after a warm-up): trace by id with its logs, trace search (service + duration
 * bound, and none), slow spans, per-operation latency, RED, dependencies, log search; the growth ratio
 * between the sizes; bytes per span on disk (system.parts). Recorded in bench/RESULTS.md and
 * bench/results.json.
 *
 * Env: BENCH_SIZES, BENCH_INGEST_SPANS, BENCH_RUNS (default 50: over 20 runs the p50 of a 20 ms query
 * moved by several ms between runs on these machines), BENCH_DIR (keep the data sets there,
 * `engine-<n>` and `ingest-<n>`, and reuse those that hold the right number of spans).
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { Agent } from 'node:http'
import { join } from 'node:path'
import { loadConfig } from '../collector/src/config.js'
import { createDb } from '../collector/src/query/db.js'
import {
  parseTraceSearchParams,
  searchTraces,
  searchTracesFromSpans,
} from '../collector/src/query/trace-search.js'
import {
  EXPORTER_SPAN_ORDER_BY,
  fastReadCodecs,
  ingestTuning,
  insertDeduplication,
  LOG_GRANULARITY,
  logsTable,
  SPAN_GRANULARITY,
  SPAN_ORDER_BY,
  tracesTable,
} from '../collector/src/storage/schema.js'
import { openStorage, type Storage } from '../collector/src/storage/storage.js'
import { type RunningCollector, startCollector, stored, tempDir } from '../test/helpers/collector.js'
import { post } from './lib/load.js'
import { cpuSeconds, machine, median, percentile, record } from './lib/results.js'

const SIZES = (process.env.BENCH_SIZES ?? '10000000,50000000').split(',').map(Number)
const INGEST_SPANS = Number(process.env.BENCH_INGEST_SPANS ?? SIZES[0])
/** Spans per round of the ingest A/B, storage of now against before issue 21 (0 to skip). */
const AB_SPANS = Number(process.env.BENCH_AB_SPANS ?? 500_000)
const AB_ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 4)
const RUNS = Number(process.env.BENCH_RUNS ?? 50)
const SPANS_PER_TRACE = 10
/**
 * Collectors that take the load run with the collector's own batch delay (500 ms), not the test
 * helper's 50 ms: with 50 ms a segment of the log was sealed at about 5k spans (95 inserts for 500k
 * spans, each a part of every table the spans feed, merged again and again), with 500 ms at about 40k
 * (12 inserts), as a deployed collector does.
 */
const COLLECTOR_ARGS = ['--log-level', 'warn', '--batch-delay', '500ms']
const SERVICES = 20
const OPS_PER_SERVICE = 10
const CHUNK = 1_000_000
const WINDOW_S = 24 * 3600

/**
 * One chunk of spans (ids zero-padded: hex() drops a number's leading zero bytes, and the API takes ids
 * of 32 and 16 characters only). Span n is position k = n % 10 of trace t = n / 10; k's parent is (k - 1) / 3, so
 * a root with three children and six grandchildren. Trace starts are spread evenly over the window;
 * durations are skewed (most fast, a long tail), 2 % of spans are errors.
 */
// Trace starts are computed in ms (t × window in ms fits in 64 bits; in ns it would wrap past 2^64).
function spansInsert(s: Storage, total: number, from: number, count: number, nowS: number): string {
  const traces = Math.ceil(total / SPANS_PER_TRACE)
  return `INSERT INTO ${s.table('otel_traces')}
  (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes,
   ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage)
  SELECT
    fromUnixTimestamp64Nano(toInt64(${nowS - WINDOW_S}) * 1000000000 + intDiv(t * ${WINDOW_S * 1000}, ${traces}) * 1000000 + k * 3000000 + cityHash64(n, 'j') % 1000000) AS Timestamp,
    lower(concat(leftPad(hex(cityHash64(t, 'a')), 16, '0'), leftPad(hex(cityHash64(t, 'b')), 16, '0'))) AS TraceId,
    lower(leftPad(hex(cityHash64(t, k)), 16, '0')) AS SpanId,
    if(k = 0, '', lower(leftPad(hex(cityHash64(t, intDiv(k - 1, 3))), 16, '0'))) AS ParentSpanId,
    '' AS TraceState,
    concat(['GET', 'POST', 'PUT', 'GET', 'DELETE'][op % 5 + 1], ' /api/', svcName, '/resource-', toString(op)) AS SpanName,
    if(k = 0, 'Server', ['Client', 'Server', 'Internal'][k % 3 + 1]) AS SpanKind,
    svcName AS ServiceName,
    map('service.name', svcName, 'service.version', '1.4.2', 'host.name', concat('host-', toString(t % 50)),
        'deployment.environment', 'prod', 'telemetry.sdk.language', 'nodejs') AS ResourceAttributes,
    '@opentelemetry/instrumentation-http' AS ScopeName,
    '0.57.0' AS ScopeVersion,
    map('http.method', ['GET', 'POST', 'PUT', 'GET', 'DELETE'][op % 5 + 1], 'http.route', concat('/api/', svcName, '/resource-', toString(op)),
        'http.status_code', if(isError, '500', '200'), 'user.id', toString(cityHash64(t, 'u') % 100000)) AS SpanAttributes,
    toUInt64(if(k = 0, 40e6 + 400e6 * pow(u, 6), 0.2e6 + 200e6 * pow(u, 8))) AS Duration,
    if(isError, 'Error', 'Unset') AS StatusCode,
    if(isError, 'upstream failed', '') AS StatusMessage
  FROM (
    SELECT number AS n, intDiv(n, ${SPANS_PER_TRACE}) AS t, n % ${SPANS_PER_TRACE} AS k,
      (t + k * 7) % ${SERVICES} AS svc, concat('svc-', toString(svc)) AS svcName,
      cityHash64(t, k, 'op') % ${OPS_PER_SERVICE} AS op,
      (cityHash64(n, 'd') % 1000000) / 1e6 AS u,
      cityHash64(n, 'e') % 100 < 2 AS isError
    FROM numbers(${from}, ${count})
  )`
}

/** Log lines of every tenth span (k = 3), a millisecond after the span's start. */
function logsInsert(s: Storage, total: number, from: number, count: number, nowS: number): string {
  const traces = Math.ceil(total / SPANS_PER_TRACE)
  return `INSERT INTO ${s.table('otel_logs')}
  (Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body, ResourceAttributes, LogAttributes)
  SELECT
    fromUnixTimestamp64Nano(toInt64(${nowS - WINDOW_S}) * 1000000000 + intDiv(t * ${WINDOW_S * 1000}, ${traces}) * 1000000 + k * 3000000 + 1000000) AS Timestamp,
    lower(concat(leftPad(hex(cityHash64(t, 'a')), 16, '0'), leftPad(hex(cityHash64(t, 'b')), 16, '0'))) AS TraceId,
    lower(leftPad(hex(cityHash64(t, k)), 16, '0')) AS SpanId,
    1 AS TraceFlags,
    if(isError, 'ERROR', 'INFO') AS SeverityText,
    if(isError, 17, 9) AS SeverityNumber,
    svcName AS ServiceName,
    if(isError, concat('request failed for order ', toString(cityHash64(t) % 1000000), ': upstream timeout'),
       concat('handled request for user ', toString(cityHash64(t, 'u') % 100000), ' in ', toString(cityHash64(n) % 500), ' ms')) AS Body,
    map('service.name', svcName, 'host.name', concat('host-', toString(t % 50))) AS ResourceAttributes,
    map('hostname', concat('host-', toString(t % 50)), 'pid', toString(1000 + t % 50)) AS LogAttributes
  FROM (
    SELECT number * 10 + 3 AS n, intDiv(n, ${SPANS_PER_TRACE}) AS t, n % ${SPANS_PER_TRACE} AS k,
      concat('svc-', toString((t + k * 7) % ${SERVICES})) AS svcName,
      cityHash64(n, 'e') % 100 < 2 AS isError
    FROM numbers(${from / 10}, ${count / 10})
  )`
}

/**
 * Waits (up to two minutes) until the engine has no merge running on our tables: latency is measured on
 * a settled store, as a user queries it, not while the merges that follow a bulk load take the CPU.
 */
async function settleMerges(s: Storage): Promise<void> {
  const t0 = performance.now()
  let quiet = 0
  while (quiet < 2 && performance.now() - t0 < 120_000) {
    const rs = await s.query.query({
      query: 'SELECT count() AS n FROM system.merges WHERE database = {db:String}',
      query_params: { db: s.schema.database },
      format: 'JSONEachRow',
    })
    const [{ n }] = (await rs.json()) as { n: string }[]
    quiet = Number(n) === 0 ? quiet + 1 : 0
    await new Promise((r) => setTimeout(r, 500))
  }
  const rs = await s.query.query({
    query: `SELECT count() AS n FROM system.parts WHERE active AND database = {db:String} AND table = 'otel_traces'`,
    query_params: { db: s.schema.database },
    format: 'JSONEachRow',
  })
  const [{ n }] = (await rs.json()) as { n: string }[]
  console.log(
    `  merges settled after ${((performance.now() - t0) / 1000).toFixed(1)} s; otel_traces has ${n} active parts`,
  )
}

async function generate(s: Storage, total: number): Promise<void> {
  const nowS = Math.floor(Date.now() / 1000)
  const t0 = performance.now()
  for (let from = 0; from < total; from += CHUNK) {
    const n = Math.min(CHUNK, total - from)
    await s.ingest.command({ query: spansInsert(s, total, from, n, nowS) })
    await s.ingest.command({ query: logsInsert(s, total, from, n, nowS) })
    process.stdout.write(`\r  generated ${(from + n).toLocaleString()} spans`)
  }
  process.stdout.write(`\n  in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
}

async function bytesOnDisk(
  s: Storage,
  table: string,
): Promise<{ bytes: number; rows: number; parts: number }> {
  const rs = await s.query.query({
    query: `SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS rows, count() AS parts FROM system.parts
            WHERE active AND database = {db:String} AND table = {t:String}`,
    query_params: { db: s.schema.database, t: table },
    format: 'JSONEachRow',
  })
  const [r] = (await rs.json()) as { bytes: string; rows: string; parts: string }[]
  return { bytes: Number(r.bytes), rows: Number(r.rows), parts: Number(r.parts) }
}

interface Disk {
  spans: number
  logLines: number
  /** Bytes on disk per span: otel_traces alone, and every table of ours over the spans. */
  perSpan: number
  allPerSpan: number
  perLogLine: number
  /** Active parts of otel_traces and otel_logs. */
  parts: { spans: number; logs: number }
}

async function disk(s: Storage): Promise<Disk> {
  const spans = await bytesOnDisk(s, 'otel_traces')
  const logs = await bytesOnDisk(s, 'otel_logs')
  const lookup = await bytesOnDisk(s, 'otel_traces_trace_id_ts')
  const summary = await bytesOnDisk(s, 'skein_trace_summary')
  const n = Math.max(1, spans.rows)
  return {
    spans: spans.rows,
    logLines: logs.rows,
    perSpan: spans.bytes / n,
    allPerSpan: (spans.bytes + logs.bytes + lookup.bytes + summary.bytes) / n,
    perLogLine: logs.bytes / Math.max(1, logs.rows),
    parts: { spans: spans.parts, logs: logs.parts },
  }
}

// ---------------------------------------------------------------------------------------------------
// The production-shaped data set: the same traces, sent as services send them.

const hex = (text: string, length: number) => createHash('md5').update(text).digest('hex').slice(0, length)
const traceIdOf = (t: number) => hex(`trace ${t}`, 32)
const spanIdOf = (t: number, k: number) => hex(`span ${t} ${k}`, 16)
const METHODS = ['GET', 'POST', 'PUT', 'GET', 'DELETE']
const KINDS = [3, 2, 1] // Client, Server, Internal (OTLP numbers)

/** A pseudo-random number in [0, 1) from integers (mulberry32 of a hash): the same data every run. */
function rand(...xs: number[]): number {
  let h = 0x9e3779b9
  for (const x of xs) h = Math.imul(h ^ x, 0x85ebca6b) ^ (h >>> 13)
  h = Math.imul(h ^ (h >>> 16), 0x2c1b3c6d)
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39)
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32
}

const str = (key: string, value: string) => ({ key, value: { stringValue: value } })

interface Batch {
  /** OTLP/JSON bodies, one per service. */
  traces: string[]
  /** Loki push bodies, one per service. */
  logs: string[]
  spans: number
  lines: number
}

/**
 * Traces [t0, t1) of `total` spans spread over the 24 h before nowS, grouped into one OTLP request per
 * service (so a trace's spans go out in as many requests as it has services) and one Loki push per
 * service. Shape as the engine-generated set: span k of trace t has parent (k - 1) / 3, service
 * (t + 7k) % 20, 2 % errors, skewed durations; a log line for span 3 of every trace.
 */
function batch(t0: number, t1: number, total: number, nowS: number): Batch {
  const traces = Math.ceil(total / SPANS_PER_TRACE)
  const spansBy = new Map<string, object[]>()
  const linesBy = new Map<string, [string, string][]>()
  let spans = 0
  let lines = 0
  const startMs = (nowS - WINDOW_S) * 1000
  for (let t = t0; t < t1; t++) {
    const traceId = traceIdOf(t)
    const baseNs = BigInt(startMs + Math.floor((t * WINDOW_S * 1000) / traces)) * 1_000_000n
    for (let k = 0; k < SPANS_PER_TRACE; k++) {
      const service = `svc-${(t + k * 7) % SERVICES}`
      const op = Math.floor(rand(t, k, 1) * OPS_PER_SERVICE)
      const method = METHODS[op % 5]
      const route = `/api/${service}/resource-${op}`
      const u = rand(t, k, 2)
      const durationNs = BigInt(Math.round(k === 0 ? 40e6 + 400e6 * u ** 6 : 0.2e6 + 200e6 * u ** 8))
      const isError = rand(t, k, 3) < 0.02
      const start = baseNs + BigInt(k * 3_000_000 + Math.floor(rand(t, k, 4) * 1e6))
      const span = {
        traceId,
        spanId: spanIdOf(t, k),
        ...(k === 0 ? {} : { parentSpanId: spanIdOf(t, Math.floor((k - 1) / 3)) }),
        name: `${method} ${route}`,
        kind: k === 0 ? 2 : KINDS[k % 3],
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + durationNs),
        attributes: [
          str('http.method', method),
          str('http.route', route),
          str('http.status_code', isError ? '500' : '200'),
          str('user.id', String(Math.floor(rand(t, 5) * 100_000))),
        ],
        status: isError ? { code: 2, message: 'upstream failed' } : {},
      }
      const list = spansBy.get(service) ?? []
      spansBy.set(service, list)
      list.push(span)
      spans++
      if (k === 3) {
        const line = isError
          ? `request failed for order ${Math.floor(rand(t, 6) * 1e6)}: upstream timeout`
          : `handled request for user ${Math.floor(rand(t, 5) * 100_000)} in ${Math.floor(rand(t, 7) * 500)} ms`
        const ts = start + 1_000_000n
        const record = {
          level: isError ? 50 : 30,
          time: Number(ts / 1_000_000n),
          msg: line,
          trace_id: traceId,
          span_id: span.spanId,
          trace_flags: '01',
          hostname: `host-${t % 50}`,
          pid: 1000 + (t % 50),
        }
        const values = linesBy.get(service) ?? []
        linesBy.set(service, values)
        values.push([String(ts), JSON.stringify(record)])
        lines++
      }
    }
  }
  return {
    traces: [...spansBy].map(([service, list]) =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: {
              attributes: [
                str('service.name', service),
                str('service.version', '1.4.2'),
                str('host.name', `host-${service.length % 50}`),
                str('deployment.environment', 'prod'),
                str('telemetry.sdk.language', 'nodejs'),
              ],
            },
            scopeSpans: [
              { scope: { name: '@opentelemetry/instrumentation-http', version: '0.57.0' }, spans: list },
            ],
          },
        ],
      }),
    ),
    logs: [...linesBy].map(([service, values]) =>
      JSON.stringify({ streams: [{ stream: { service_name: service, hostname: 'bench' }, values }] }),
    ),
    spans,
    lines,
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 })

/** POSTs until stored (2xx), pausing after a refusal (503 while the collector catches up). */
async function send(url: string, body: string): Promise<number> {
  for (let refused = 0; ; refused++) {
    const status = await post(agent, new URL(url), 'application/json', body)
    if (status >= 200 && status < 300) return refused
    if (status !== 503 && status !== 429 && status !== 0) throw new Error(`${url} answered ${status}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/**
 * Sends `total` spans (and their log lines) through the collector at full speed: `inFlight` requests at
 * a time, traces in chronological order, 1,000 traces (10,000 spans) a batch.
 */
async function ingest(c: RunningCollector, total: number, nowS: number, inFlight = 8) {
  const traces = Math.ceil(total / SPANS_PER_TRACE)
  const queue: [string, string][] = []
  let sent = 0
  let refused = 0
  const t0 = performance.now()
  let next = 0
  const fill = () => {
    while (queue.length < inFlight * 4 && next < traces) {
      const b = batch(next, Math.min(traces, next + 1000), total, nowS)
      next += 1000
      for (const body of b.traces) queue.push([`${c.ingestUrl}/v1/traces`, body])
      for (const body of b.logs) queue.push([`${c.ingestUrl}/loki/api/v1/push`, body])
      sent += b.spans
      if (sent % 1_000_000 === 0) process.stdout.write(`\r  sent ${sent.toLocaleString()} spans`)
    }
  }
  const worker = async () => {
    for (;;) {
      fill()
      const item = queue.shift()
      if (!item) return
      refused += await send(item[0], item[1])
    }
  }
  await Promise.all(Array.from({ length: inFlight }, worker))
  const seconds = (performance.now() - t0) / 1000
  process.stdout.write(`\n  ${total.toLocaleString()} spans through OTLP/HTTP in ${seconds.toFixed(1)} s\n`)
  return { seconds, spansPerSecond: total / seconds, refused }
}

// ---------------------------------------------------------------------------------------------------
// Timing the HTTP API.

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url)
  const body = await res.json()
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`)
  return body
}

interface Timing {
  name: string
  p50: number
  p95: number
  sample: unknown
}

async function timed(name: string, runs: number, url: (i: number) => string): Promise<Timing> {
  let sample = await getJson(url(-1)) // warm-up: caches, marks, the first compilation of each query
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    sample = await getJson(url(i))
    ms.push(performance.now() - t0)
  }
  return { name, p50: median(ms), p95: percentile(ms, 95), sample }
}

const BY_ID = 'trace by id, with logs'
const SEARCH_BOUND = 'trace search: service + minDurationMs=300, 1h'

/**
 * @param endMs the end of the data set's spans: each "1h" query reads the last hour of the data, the
 *   same hour however long after its making a set is queried (a reused set's last hour before now holds
 *   fewer spans, or none).
 */
async function timeEndpoints(api: string, ids: string[], endMs: number): Promise<Timing[]> {
  const hour = `end=${endMs}&lookback=1h`
  const svc = (i: number) => `svc-${(i + 1) % SERVICES}`
  return [
    await timed('bare HTTP round trip (GET /health)', RUNS, () => `${api}/health`),
    await timed(BY_ID, RUNS, (i) => `${api}/api/v1/traces/${ids[(i + 1) % ids.length]}`),
    await timed(
      SEARCH_BOUND,
      RUNS,
      (i) => `${api}/api/v1/traces?${hour}&service=${svc(i)}&minDurationMs=300`,
    ),
    await timed('trace search: no filter, 1h', RUNS, () => `${api}/api/v1/traces?${hour}`),
    await timed(
      'trace search: attribute, 1h',
      RUNS,
      (i) => `${api}/api/v1/traces?${hour}&attr=http.method=${['GET', 'PUT'][i & 1]}&service=${svc(i)}`,
    ),
    await timed('slow spans, 1h', RUNS, () => `${api}/api/v1/spans/slow?${hour}`),
    await timed(
      'slow spans: one service, 1h',
      RUNS,
      (i) => `${api}/api/v1/spans/slow?${hour}&service=${svc(i)}`,
    ),
    await timed('per-operation latency, 1h', RUNS, () => `${api}/api/v1/operations/latency?${hour}`),
    await timed(
      'RED, one service, 1m steps, 1h',
      RUNS,
      (i) => `${api}/api/v1/metrics/red?${hour}&service=${svc(i)}`,
    ),
    await timed('dependencies, 1h', Math.min(RUNS, 10), () => `${api}/api/v1/dependencies?${hour}`),
    await timed(
      'logs: q="request failed", 1h',
      RUNS,
      () => `${api}/api/v1/logs?${hour}&q=request+failed+for+order`,
    ),
  ]
}

interface DataSet {
  name: string
  disk: Disk
  timings: Timing[]
  ingest?: { seconds: number; spansPerSecond: number; refused: number; partsAfterLoad: number }
  /** In-process, same run: the summary-based trace search against the span-based one (p50 ms). */
  searchVsSpans?: { summary: number; spans: number; same: boolean }
}

/** The dir of a data set: kept under BENCH_DIR, or a temporary one removed at the end. */
function dataDir(name: string, temps: string[]): string {
  if (KEEP) {
    mkdirSync(KEEP, { recursive: true })
    return join(KEEP, name)
  }
  const dir = tempDir('skein-bench-query-')
  temps.push(dir)
  return join(dir, 'data')
}
const KEEP = process.env.BENCH_DIR

async function spanCount(s: Storage): Promise<number> {
  const rs = await s.query.query({
    query: `SELECT count() AS n FROM ${s.table('otel_traces')}`,
    format: 'JSONEachRow',
  })
  const [{ n }] = (await rs.json()) as { n: string }[]
  return Number(n)
}

/** The end of the set's spans (ms): its last hour is what the "1h" queries read. */
async function dataEndMs(s: Storage): Promise<number> {
  const rs = await s.query.query({
    query: `SELECT toUnixTimestamp64Milli(max(Timestamp)) AS end FROM ${s.table('otel_traces')}`,
    format: 'JSONEachRow',
  })
  const [{ end }] = (await rs.json()) as { end: string }[]
  return Number(end) + 1
}

/** Sample trace ids (all have a log line) spread over the whole window. */
async function sampleIds(s: Storage): Promise<string[]> {
  const rs = await s.query.query({
    query: `SELECT TraceId FROM ${s.table('otel_traces_trace_id_ts')} ORDER BY cityHash64(TraceId) LIMIT 200`,
    format: 'JSONEachRow',
  })
  return ((await rs.json()) as { TraceId: string }[]).map((r) => r.TraceId)
}

/** Summary-based against span-based trace search, in-process on the same store (same-run ratio). */
async function searchAgainstSpans(s: Storage, endMs: number): Promise<DataSet['searchVsSpans']> {
  const db = createDb(s.queryClients, s.table, 60_000, { sessionSettings: true })
  const params = (i: number) =>
    parseTraceSearchParams({
      end: String(endMs),
      lookback: '1h',
      service: `svc-${(i + 1) % SERVICES}`,
      minDurationMs: '300',
    })
  const a: number[] = []
  const b: number[] = []
  let same = true
  for (let i = -1; i < RUNS; i++) {
    const t0 = performance.now()
    const x = await searchTraces(db, params(i))
    const t1 = performance.now()
    const y = await searchTracesFromSpans(db, params(i))
    const t2 = performance.now()
    if (JSON.stringify(x) !== JSON.stringify(y)) same = false
    if (i >= 0) {
      a.push(t1 - t0)
      b.push(t2 - t1)
    }
  }
  return { summary: median(a), spans: median(b), same }
}

/** Serves the data dir with `skein serve` and times every endpoint through its HTTP API. */
async function serveAndTime(dir: string, ids: string[], endMs: number): Promise<Timing[]> {
  const c = await startCollector({ dataDir: dir, args: ['--log-level', 'warn'], timeoutMs: 600_000 })
  try {
    return await timeEndpoints(c.apiUrl, ids, endMs)
  } finally {
    await c.stop({ keepData: true })
  }
}

async function engineSet(total: number, temps: string[]): Promise<DataSet> {
  const name = `engine-${total}`
  const dir = dataDir(name, temps)
  console.log(`\n${total.toLocaleString()} spans generated in the engine (${dir})`)
  const s = await openStorage(loadConfig({ dataDir: dir, logLevel: 'silent' }, {}))
  let ids: string[]
  let d: Disk
  let vs: DataSet['searchVsSpans']
  let endMs: number
  try {
    const have = await spanCount(s)
    if (have !== total) {
      if (have) throw new Error(`${dir} holds ${have} spans, not ${total}; use another BENCH_DIR`)
      await generate(s, total)
    } else console.log(`  reusing ${have.toLocaleString()} spans`)
    await settleMerges(s)
    ids = await sampleIds(s)
    d = await disk(s)
    endMs = await dataEndMs(s)
    vs = await searchAgainstSpans(s, endMs)
  } finally {
    await s.close()
  }
  return { name, disk: d, timings: await serveAndTime(dir, ids, endMs), searchVsSpans: vs }
}

async function ingestSet(total: number, temps: string[]): Promise<DataSet> {
  const name = `ingest-${total}`
  const dir = dataDir(name, temps)
  console.log(`\n${total.toLocaleString()} spans through the collector's ingest path (${dir})`)
  const nowS = Math.floor(Date.now() / 1000)
  const traces = Math.ceil(total / SPANS_PER_TRACE)
  const ids = Array.from({ length: 200 }, (_, i) => traceIdOf(Math.floor(((i + 0.5) * traces) / 200)))
  if (existsSync(dir)) throw new Error(`${dir} exists; the ingest set is made afresh each run`)
  const c = await startCollector({ dataDir: dir, args: COLLECTOR_ARGS })
  let load: Awaited<ReturnType<typeof ingest>>
  let timings: Timing[]
  try {
    load = await ingest(c, total, nowS)
    // Queried as users query it right after the load: no waiting for merges.
    timings = await timeEndpoints(c.apiUrl, ids, nowS * 1000)
  } finally {
    await c.stop({ keepData: true })
  }
  const s = await openStorage(loadConfig({ dataDir: dir, logLevel: 'silent' }, {}))
  try {
    const d = await disk(s)
    console.log(`  active parts when queried: otel_traces ${d.parts.spans}, otel_logs ${d.parts.logs}`)
    return { name, disk: d, timings, ingest: { ...load, partsAfterLoad: d.parts.spans } }
  } finally {
    await s.close()
  }
}

/**
 * The span storage before issue 21, made in a fresh store by hand: the exporter's sorting key and its
 * 8,192-row granules (spans and logs), migration 4's codecs (not migration 7's), no trace-summary view,
 * no spans-by-service copy, the default compression blocks.
 */
async function storageBefore21(dir: string): Promise<void> {
  const s = await openStorage(loadConfig({ dataDir: dir, logLevel: 'silent' }, {}))
  try {
    const o = { database: 'otel', retentionDays: 30 }
    await s.ingest.command({ query: `DROP VIEW ${s.table('skein_trace_summary_mv')}` })
    await s.ingest.command({ query: `DROP VIEW ${s.table('skein_spans_by_service_mv')}` })
    await s.ingest.command({ query: `DROP TABLE ${s.table('otel_traces')}` })
    await s.ingest.command({ query: `DROP TABLE ${s.table('otel_logs')}` })
    const [create] = tracesTable(o)
    await s.ingest.command({
      query: create
        .replace(`ORDER BY ${SPAN_ORDER_BY}`, `ORDER BY ${EXPORTER_SPAN_ORDER_BY}`)
        .replace(`index_granularity = ${SPAN_GRANULARITY}`, 'index_granularity = 8192'),
    })
    const [createLogs] = logsTable(o)
    await s.ingest.command({
      query: createLogs
        .replace(`index_granularity = ${LOG_GRANULARITY}`, 'index_granularity = 8192')
        .replace(/GRANULARITY \d+\n\)/, 'GRANULARITY 8\n)'),
    })
    await s.ingest.command({
      query: `ALTER TABLE ${s.table('otel_traces_trace_id_ts')} RESET SETTING min_compress_block_size`,
    })
    const remade = (q: string) => /otel_(traces|logs)`/.test(q)
    for (const query of [...ingestTuning(o), ...fastReadCodecs(o), ...insertDeduplication(o)]) {
      if (remade(query)) await s.ingest.command({ query })
    }
    const rs = await s.query.query({
      query: `SELECT engine_full FROM system.tables WHERE database = 'otel' AND name = 'otel_traces'`,
      format: 'JSONEachRow',
    })
    const [{ engine_full }] = (await rs.json()) as { engine_full: string }[]
    if (!engine_full.includes('index_granularity = 8192'))
      throw new Error(`not the old layout: ${engine_full}`)
  } finally {
    await s.close()
  }
}

/**
 * Ingest into the storage of now and into that of before issue 21, alternated (fresh collector each,
 * same load): the ingest rate not lower than before, as a same-run ratio.
 */
async function ingestBeforeAfter(total: number, rounds: number, temps: string[]) {
  const rates: { now: number[]; before: number[] } = { now: [], before: [] }
  /** The collector's CPU seconds (all threads) per 100k spans with their lines, until all is stored. */
  const cpu: { now: number[]; before: number[] } = { now: [], before: [] }
  for (let r = 0; r < rounds; r++) {
    for (const now of r % 2 === 0 ? [true, false] : [false, true]) {
      const dir = join(tempDir('skein-bench-query-ab-'), 'data')
      temps.push(join(dir, '..'))
      if (!now) await storageBefore21(dir)
      const c = await startCollector({ dataDir: dir, args: COLLECTOR_ARGS })
      try {
        const cpu0 = cpuSeconds(c.process.pid)
        const load = await ingest(c, total, Math.floor(Date.now() / 1000))
        await stored(c.ingestUrl, 300_000)
        rates[now ? 'now' : 'before'].push(load.spansPerSecond)
        cpu[now ? 'now' : 'before'].push((cpuSeconds(c.process.pid) - cpu0) / (total / 100_000))
      } finally {
        await c.stop()
      }
    }
  }
  return {
    now: median(rates.now),
    before: median(rates.before),
    rates,
    cpu: { now: median(cpu.now), before: median(cpu.before) },
  }
}

const find = (set: DataSet, name: string) => set.timings.find((t) => t.name === name) as Timing
const ms = (x: number) => x.toFixed(1)

async function main() {
  console.log(
    `query benchmark: ${SIZES.map((n) => n.toLocaleString()).join(' and ')} spans in the engine, ${INGEST_SPANS.toLocaleString()} through ingest; ${RUNS} runs each; ${machine()}`,
  )
  const temps: string[] = []
  try {
    const sets: DataSet[] = []
    for (const n of SIZES) sets.push(await engineSet(n, temps))
    if (INGEST_SPANS > 0) sets.push(await ingestSet(INGEST_SPANS, temps))
    if (AB_SPANS > 0)
      console.log(
        `\ningest into the storage of now and of before issue 21, ${AB_SPANS.toLocaleString()} spans a round, alternated`,
      )
    const ab = AB_SPANS > 0 ? await ingestBeforeAfter(AB_SPANS, AB_ROUNDS, temps) : undefined

    const names = sets[0].timings.map((t) => t.name)
    const [small, large] = sets
    const growth = large?.name.startsWith('engine') ? large : undefined
    console.log(
      `\n| endpoint | ${sets.map((s) => `${s.name} p50 / p95 ms`).join(' | ')} |${growth ? ' growth p50 |' : ''}`,
    )
    console.log(`|---|${sets.map(() => '---:').join('|')}|${growth ? '---:|' : ''}`)
    const rows: [string, string][] = []
    for (const name of names) {
      const cells = sets.map((s) => `${ms(find(s, name).p50)} / ${ms(find(s, name).p95)}`)
      const ratio = growth ? (find(growth, name).p50 / find(small, name).p50).toFixed(2) : ''
      console.log(`| ${name} | ${cells.join(' | ')} |${growth ? ` ${ratio} |` : ''}`)
      rows.push([
        name,
        sets.map((s, i) => `${s.name}: ${cells[i]}`).join('; ') + (growth ? `; growth ${ratio}x` : ''),
      ])
    }
    for (const s of sets) {
      rows.push([
        `${s.name}: bytes on disk per span (otel_traces / all tables) and per log line`,
        `${ms(s.disk.perSpan)} / ${ms(s.disk.allPerSpan)}; ${ms(s.disk.perLogLine)}`,
      ])
      rows.push([
        `${s.name}: data, active parts (spans, logs)`,
        `${s.disk.spans.toLocaleString()} spans, ${s.disk.logLines.toLocaleString()} log lines; ${s.disk.parts.spans}, ${s.disk.parts.logs} parts`,
      ])
      if (s.searchVsSpans)
        rows.push([
          `${s.name}: trace search (service + duration, 1h) in-process, summaries vs spans p50`,
          `${ms(s.searchVsSpans.summary)} vs ${ms(s.searchVsSpans.spans)} ms (${(s.searchVsSpans.spans / s.searchVsSpans.summary).toFixed(1)}x), same answers: ${s.searchVsSpans.same}`,
        ])
      if (s.ingest)
        rows.push([
          `${s.name}: load through OTLP/HTTP JSON + Loki push`,
          `${s.ingest.spansPerSecond.toFixed(0)} spans/s (${s.ingest.seconds.toFixed(0)} s, ${s.ingest.refused} refusals retried)`,
        ])
    }
    if (ab)
      rows.push([
        `ingest (OTLP/HTTP JSON + Loki) into the storage of now / of before issue 21 (exporter order, 8,192-row granules, no summary view or spans-by-service copy), median spans/s of ${AB_ROUNDS} alternated rounds`,
        `${ab.now.toFixed(0)} / ${ab.before.toFixed(0)} = ${(ab.now / ab.before).toFixed(2)} (rounds: ${ab.rates.now.map((x) => x.toFixed(0)).join(', ')} now, ${ab.rates.before.map((x) => x.toFixed(0)).join(', ')} before)`,
      ])
    if (ab)
      rows.push([
        'the same rounds: collector CPU seconds (all threads) per 100k spans with their lines, until stored, now / before, median',
        `${ab.cpu.now.toFixed(2)} / ${ab.cpu.before.toFixed(2)} = ${(ab.cpu.now / ab.cpu.before).toFixed(2)}`,
      ])
    for (const [k, v] of rows.slice(names.length)) console.log(`${k}: ${v}`)
    // The bars (issue 21), on the production-shaped set when there is one, through the HTTP API.
    const prod = sets.find((s) => s.ingest) ?? small
    const byId = find(prod, BY_ID).p50
    const byIdGrowth = growth ? find(growth, BY_ID).p50 / find(small, BY_ID).p50 : Number.NaN
    const search = find(prod, SEARCH_BOUND).p50
    const bars: [string, string][] = [
      [
        `bar: trace by id with logs p50 ≤ 20 ms (${prod.name})`,
        `${ms(byId)} ms ${byId <= 20 ? 'ok' : 'MISSED'}`,
      ],
      [
        `bar: trace by id growth ${SIZES.join(' → ')} ≤ 1.3x`,
        `${byIdGrowth.toFixed(2)} ${byIdGrowth <= 1.3 ? 'ok' : 'MISSED'}`,
      ],
      [
        `bar: trace search with a duration bound p50 ≤ 50 ms (${prod.name})`,
        `${ms(search)} ms ${search <= 50 ? 'ok' : 'MISSED'}`,
      ],
      [
        `bar: ≤ 45 bytes per span (${prod.name}, otel_traces)`,
        `${ms(prod.disk.perSpan)} ${prod.disk.perSpan <= 45 ? 'ok' : 'MISSED'}`,
      ],
    ]
    for (const [k, v] of bars) console.log(`${k}: ${v}`)
    record(
      'query',
      Object.fromEntries(
        sets.map((s) => [
          s.name,
          {
            disk: s.disk,
            ingest: s.ingest,
            searchVsSpans: s.searchVsSpans,
            ...Object.fromEntries(s.timings.map((t) => [t.name, { p50: t.p50, p95: t.p95 }])),
          },
        ]),
      ),
      [...rows, ...bars],
    )
  } finally {
    for (const t of temps) rmSync(t, { recursive: true, force: true })
  }
}

await main()
