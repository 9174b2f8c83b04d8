/**
 * `npm run bench:indexes`: the skip-index trade-off on otel_traces, both sides measured in one run.
 * Two copies of the exporter's table — with all its indexes, and without the four map bloom filters
 * (keys and values of ResourceAttributes and SpanAttributes) — get the same spans, generated inside the
 * engine; then:
 *   ingest: rows/s of INSERT … SELECT into each (the engine's own cost of the indexes, no client);
 *   search: p50 of an attribute search (a rare SpanAttributes value over all the data) on each.
 * Env: BENCH_SPANS (default 3,000,000), BENCH_RUNS (default 15).
 */
import { join } from 'node:path'
import { loadConfig } from '../collector/src/config.js'
import { openStorage } from '../collector/src/storage/storage.js'
import { tempDir } from '../test/helpers/collector.js'
import { median, record } from './lib/results.js'

const SPANS = Number(process.env.BENCH_SPANS ?? 3_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 15)
const MAP_INDEXES = ['idx_res_attr_key', 'idx_res_attr_value', 'idx_span_attr_key', 'idx_span_attr_value']

const storage = await openStorage(
  loadConfig({ dataDir: join(tempDir('skein-bench-idx-'), 'data'), logLevel: 'silent' }, {}),
)
const run = (query: string) => storage.ingest.command({ query })
const rows = async <T>(query: string) =>
  (await (await storage.query.query({ query, format: 'JSONEachRow' })).json()) as T[]

// Source rows once, in a plain table, so that both inserts read the same data.
await run(`CREATE TABLE otel.src AS otel.otel_traces ENGINE = Memory`)
await run(`INSERT INTO otel.src (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
  ResourceAttributes, ScopeName, SpanAttributes, Duration, StatusCode)
  SELECT now64(9) - toIntervalMillisecond(number % 86400000) AS Timestamp,
    lower(hex(cityHash64(intDiv(number, 10)))) || lower(hex(cityHash64(intDiv(number, 10), 1))) AS TraceId,
    lower(hex(cityHash64(number, 2))) AS SpanId, '' AS ParentSpanId,
    concat('GET /api/resource-', toString(number % 200)) AS SpanName, 'Server' AS SpanKind,
    concat('svc-', toString(number % 20)) AS ServiceName,
    map('service.name', concat('svc-', toString(number % 20)), 'host.name', concat('host-', toString(number % 50))),
    'bench',
    map('http.route', concat('/api/resource-', toString(number % 200)), 'http.method', 'GET',
        'user.id', concat('u-', toString(cityHash64(number, 3) % 1000000)), 'http.status_code', '200'),
    1000000 + number % 100000000, 'Unset'
  FROM numbers(${SPANS})`)

// Copies of the exporter's table, neither with the trace-id view attached, so only the indexes differ.
await run(`CREATE TABLE otel.full AS otel.otel_traces`)
await run(`CREATE TABLE otel.lean AS otel.otel_traces`)
for (const idx of MAP_INDEXES) await run(`ALTER TABLE otel.lean DROP INDEX ${idx}`)

async function insertRate(table: string): Promise<number> {
  const t0 = performance.now()
  await run(`INSERT INTO otel.${table} SELECT * FROM otel.src SETTINGS max_insert_block_size = 10000`)
  return SPANS / ((performance.now() - t0) / 1000)
}
const fullRate = await insertRate('full')
const leanRate = await insertRate('lean')
await run('OPTIMIZE TABLE otel.full FINAL')
await run('OPTIMIZE TABLE otel.lean FINAL')

// Values that exist, each rare (about SPANS / 1M spans carry it).
const values = (
  await rows<{ v: string }>(`SELECT SpanAttributes['user.id'] AS v FROM otel.src LIMIT ${RUNS + 1}`)
).map((r) => r.v)
async function searchP50(table: string): Promise<number> {
  const times: number[] = []
  for (const v of values) {
    const t0 = performance.now()
    await rows(`SELECT TraceId FROM otel.${table} WHERE SpanAttributes['user.id'] = '${v}' LIMIT 100`)
    times.push(performance.now() - t0)
  }
  return median(times.slice(1))
}
const fullSearch = await searchP50('full')
const leanSearch = await searchP50('lean')
await storage.close()

console.log(`spans: ${SPANS.toLocaleString()}`)
console.log(
  `insert: all indexes ${fullRate.toFixed(0)} rows/s, without map bloom filters ${leanRate.toFixed(0)} rows/s (x${(leanRate / fullRate).toFixed(2)})`,
)
console.log(
  `attribute search p50: all indexes ${fullSearch.toFixed(1)} ms, without ${leanSearch.toFixed(1)} ms (x${(leanSearch / fullSearch).toFixed(2)})`,
)
record(
  'skip indexes (otel_traces)',
  {
    spans: SPANS,
    insertAll: fullRate,
    insertLean: leanRate,
    searchAllMs: fullSearch,
    searchLeanMs: leanSearch,
  },
  [
    ['insert rows/s, all exporter indexes (baseline)', fullRate.toFixed(0)],
    [
      'insert rows/s, without the 4 map bloom filters',
      `${leanRate.toFixed(0)} (x${(leanRate / fullRate).toFixed(2)})`,
    ],
    ['attribute search p50, all indexes (baseline)', `${fullSearch.toFixed(1)} ms`],
    [
      'attribute search p50, without the map bloom filters',
      `${leanSearch.toFixed(1)} ms (x${(leanSearch / fullSearch).toFixed(2)})`,
    ],
    [
      'data',
      `${SPANS.toLocaleString()} spans over 24 h; search: SpanAttributes['user.id'] = a value ~1 in 1M, whole table`,
    ],
  ],
  "Engine only (INSERT … SELECT inside chDB, 10k-row blocks); the collector keeps the exporter's indexes.",
)
