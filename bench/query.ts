/**
 * `npm run bench:query`: query latency on a realistic data set, generated inside the engine.
 *
 * Data: BENCH_SPANS spans (default 10M) in traces of 10 spans (a root and a tree under it), over 20
 * services and 200 operations (10 per service), spread over the last 24 h; a log line for a tenth of
 * the spans. Rows are made by `INSERT ... SELECT ... FROM numbers()` in chunks, through the storage
 * module (the exporter schema and the trace-id materialized view, as in production), into a fresh
 * embedded data dir: the load generator would otherwise be the thing measured.
 *
 * Figures: p50/p95 over BENCH_RUNS runs (after one warm-up) of trace by id with its logs (getTrace),
 * trace search by service + min duration over 1 h, slow spans over 1 h, per-operation latency over 1 h
 * (and a few more endpoints as extras); bytes per span and per log line on disk (system.parts).
 * Recorded in bench/RESULTS.md and bench/results.json.
 *
 * Env: BENCH_SPANS (default 10,000,000), BENCH_RUNS (default 20), BENCH_DIR (keep the data there and
 * reuse it when it already holds the same number of spans).
 */
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../collector/src/config.js'
import { createDb, type Db } from '../collector/src/query/db.js'
import { dependencies, parseDependenciesParams } from '../collector/src/query/dependencies.js'
import { operationLatency, parseLatencyParams } from '../collector/src/query/latency.js'
import { parseLogSearchParams, searchLogs } from '../collector/src/query/logs.js'
import { parseRedParams, redSeries } from '../collector/src/query/red.js'
import { parseSlowSpansParams, slowSpans } from '../collector/src/query/slow.js'
import { p, sql } from '../collector/src/query/sql.js'
import { getTrace } from '../collector/src/query/trace.js'
import { parseTraceSearchParams, searchTraces } from '../collector/src/query/trace-search.js'
import { openStorage, type Storage } from '../collector/src/storage/storage.js'
import { tempDir } from '../test/helpers/collector.js'
import { machine, median, percentile, record } from './lib/results.js'

const SPANS = Number(process.env.BENCH_SPANS ?? 10_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 20)
const SPANS_PER_TRACE = 10
const SERVICES = 20
const OPS_PER_SERVICE = 10
const CHUNK = 1_000_000
const WINDOW_S = 24 * 3600

/**
 * One chunk of spans. Span n is position k = n % 10 of trace t = n / 10; k's parent is (k - 1) / 3, so
 * a root with three children and six grandchildren. Trace starts are spread evenly over the window;
 * durations are skewed (most fast, a long tail), 2 % of spans are errors.
 */
// Trace starts are computed in ms (t × window in ms fits in 64 bits; in ns it would wrap past 2^64).
function spansInsert(s: Storage, from: number, count: number, nowS: number): string {
  const traces = Math.ceil(SPANS / SPANS_PER_TRACE)
  return `INSERT INTO ${s.table('otel_traces')}
  (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes,
   ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage)
  SELECT
    fromUnixTimestamp64Nano(toInt64(${nowS - WINDOW_S}) * 1000000000 + intDiv(t * ${WINDOW_S * 1000}, ${traces}) * 1000000 + k * 3000000 + cityHash64(n, 'j') % 1000000) AS Timestamp,
    lower(concat(hex(cityHash64(t, 'a')), hex(cityHash64(t, 'b')))) AS TraceId,
    lower(hex(cityHash64(t, k))) AS SpanId,
    if(k = 0, '', lower(hex(cityHash64(t, intDiv(k - 1, 3))))) AS ParentSpanId,
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
function logsInsert(s: Storage, from: number, count: number, nowS: number): string {
  const traces = Math.ceil(SPANS / SPANS_PER_TRACE)
  return `INSERT INTO ${s.table('otel_logs')}
  (Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body, ResourceAttributes, LogAttributes)
  SELECT
    fromUnixTimestamp64Nano(toInt64(${nowS - WINDOW_S}) * 1000000000 + intDiv(t * ${WINDOW_S * 1000}, ${traces}) * 1000000 + k * 3000000 + 1000000) AS Timestamp,
    lower(concat(hex(cityHash64(t, 'a')), hex(cityHash64(t, 'b')))) AS TraceId,
    lower(hex(cityHash64(t, k))) AS SpanId,
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

async function count(s: Storage, table: string): Promise<number> {
  const rs = await s.query.query({
    query: `SELECT count() AS n FROM ${s.table(table)}`,
    format: 'JSONEachRow',
  })
  const [{ n }] = (await rs.json()) as { n: string }[]
  return Number(n)
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

async function generate(s: Storage): Promise<void> {
  const nowS = Math.floor(Date.now() / 1000)
  const t0 = performance.now()
  for (let from = 0; from < SPANS; from += CHUNK) {
    const n = Math.min(CHUNK, SPANS - from)
    await s.ingest.command({ query: spansInsert(s, from, n, nowS) })
    await s.ingest.command({ query: logsInsert(s, from, n, nowS) })
    process.stdout.write(`\r  generated ${(from + n).toLocaleString()} spans`)
  }
  process.stdout.write(`\n  in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
}

async function bytesOnDisk(s: Storage, table: string): Promise<{ bytes: number; rows: number }> {
  const rs = await s.query.query({
    query: `SELECT sum(bytes_on_disk) AS bytes, sum(rows) AS rows FROM system.parts
            WHERE active AND database = {db:String} AND table = {t:String}`,
    query_params: { db: s.schema.database, t: table },
    format: 'JSONEachRow',
  })
  const [r] = (await rs.json()) as { bytes: string; rows: string }[]
  return { bytes: Number(r.bytes), rows: Number(r.rows) }
}

async function timed(
  name: string,
  runs: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ name: string; p50: number; p95: number; sample: unknown }> {
  let sample = await fn(-1) // warm-up: caches, marks, the first compilation of each query
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    sample = await fn(i)
    ms.push(performance.now() - t0)
  }
  return { name, p50: median(ms), p95: percentile(ms, 95), sample }
}

async function main() {
  const keep = process.env.BENCH_DIR
  const dir = keep ?? join(tempDir('skein-bench-query-'), 'data')
  console.log(`query benchmark: ${SPANS.toLocaleString()} spans, ${RUNS} runs each; ${machine()}`)
  const storage = await openStorage(loadConfig({ dataDir: dir, logLevel: 'silent' }, {}))
  try {
    const have = await count(storage, 'otel_traces')
    if (have !== SPANS) {
      if (have) throw new Error(`${dir} holds ${have} spans, not ${SPANS}; use another BENCH_DIR`)
      await generate(storage)
    } else console.log(`  reusing ${have.toLocaleString()} spans in ${dir}`)
    await settleMerges(storage)
    const db: Db = createDb(storage.queryClients, storage.table, 60_000, { sessionSettings: true })

    const idsRs = await storage.query.query({
      query: `SELECT TraceId FROM ${storage.table('otel_traces_trace_id_ts')} WHERE cityHash64(TraceId) % 1000 = 7 LIMIT 200`,
      format: 'JSONEachRow',
    })
    const ids = ((await idsRs.json()) as { TraceId: string }[]).map((r) => r.TraceId)
    const hour = { lookback: '1h' }
    const results = [
      await timed('trace by id, with logs', RUNS, (i) => getTrace(db, ids[(i + 1) % ids.length])),
      // Baseline for the line above, same run: the same traces by TraceId alone, without the lookup
      // table's time bounds (the bloom filter over the whole table), spans only.
      await timed('baseline: trace spans by TraceId without the bounds', RUNS, (i) =>
        db.rows(
          sql`SELECT SpanId FROM ${db.table('otel_traces')} WHERE TraceId = ${p.String(ids[(i + 1) % ids.length])}`,
        ),
      ),
      await timed('trace search: service + minDurationMs=300, 1h', RUNS, (i) =>
        searchTraces(
          db,
          parseTraceSearchParams({ ...hour, service: `svc-${(i + 1) % SERVICES}`, minDurationMs: '300' }),
        ),
      ),
      await timed('trace search: no filter, 1h', RUNS, () => searchTraces(db, parseTraceSearchParams(hour))),
      await timed('slow spans, 1h', RUNS, () => slowSpans(db, parseSlowSpansParams(hour))),
      await timed('slow spans: one service, 1h', RUNS, (i) =>
        slowSpans(db, parseSlowSpansParams({ ...hour, service: `svc-${(i + 1) % SERVICES}` })),
      ),
      await timed('per-operation latency, 1h', RUNS, () => operationLatency(db, parseLatencyParams(hour))),
      await timed('RED, one service, 1m steps, 1h', RUNS, (i) =>
        redSeries(db, parseRedParams({ ...hour, service: `svc-${(i + 1) % SERVICES}` })),
      ),
      await timed('dependencies, 1h', Math.min(RUNS, 10), () =>
        dependencies(db, parseDependenciesParams(hour)),
      ),
      await timed('logs: q="request failed", 1h', RUNS, () =>
        searchLogs(db, parseLogSearchParams({ ...hour, q: 'request failed for order' })),
      ),
    ]
    const spans = await bytesOnDisk(storage, 'otel_traces')
    const logs = await bytesOnDisk(storage, 'otel_logs')
    const lookup = await bytesOnDisk(storage, 'otel_traces_trace_id_ts')

    console.log('\n| query | p50 ms | p95 ms |\n|---|---:|---:|')
    for (const r of results) console.log(`| ${r.name} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} |`)
    console.log('\n| storage | rows | bytes on disk | bytes per row |\n|---|---:|---:|---:|')
    for (const [name, b] of [
      ['otel_traces', spans],
      ['otel_logs', logs],
      ['otel_traces_trace_id_ts', lookup],
    ] as const) {
      console.log(
        `| ${name} | ${b.rows.toLocaleString()} | ${b.bytes.toLocaleString()} | ${(b.bytes / Math.max(1, b.rows)).toFixed(1)} |`,
      )
    }
    console.log(
      `| all, per span | | | ${((spans.bytes + logs.bytes + lookup.bytes) / Math.max(1, spans.rows)).toFixed(1)} |`,
    )
    const byId = results[0]
    const slow = results[4]
    const baseline = results[1]
    const perSpan = spans.bytes / Math.max(1, spans.rows)
    const sampleTrace = byId.sample as { spans: unknown[]; logs: unknown[] }
    const sampleSearch = results[2].sample as { traces: unknown[] }
    console.log(
      `\nsample: a trace by id has ${sampleTrace.spans.length} spans and ${sampleTrace.logs.length} logs; the search found ${sampleSearch.traces.length} traces`,
    )
    console.log(
      `bars: trace by id p50 ${byId.p50.toFixed(1)} ms (≤ 50) ${byId.p50 <= 50 ? 'ok' : 'MISSED'}; ` +
        `slow spans p50 ${slow.p50.toFixed(1)} ms (≤ 1000) ${slow.p50 <= 1000 ? 'ok' : 'MISSED'}; ` +
        `${perSpan.toFixed(1)} bytes per span (≤ 100) ${perSpan <= 100 ? 'ok' : 'MISSED'}`,
    )
    record(
      'query',
      {
        spans: spans.rows,
        bytesPerSpan: perSpan,
        ...Object.fromEntries(results.map((r) => [r.name, { p50: r.p50, p95: r.p95 }])),
        traceByIdVsBaseline: byId.p50 / baseline.p50,
      },
      [
        ...results.map((r): [string, string] => [
          r.name,
          `p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms`,
        ]),
        [
          'trace by id (spans + logs) / baseline (spans by TraceId, no bounds), p50',
          (byId.p50 / baseline.p50).toFixed(2),
        ],
        ['bytes per span on disk (otel_traces)', perSpan.toFixed(1)],
        ['bytes per log line on disk', (logs.bytes / Math.max(1, logs.rows)).toFixed(1)],
        [
          'data',
          `${spans.rows.toLocaleString()} spans, ${logs.rows.toLocaleString()} log lines, 20 services, 200 operations`,
        ],
      ],
    )
  } finally {
    await storage.close()
    if (!keep && existsSync(dir)) rmSync(join(dir, '..'), { recursive: true, force: true })
  }
}

await main()
