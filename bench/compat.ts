/**
 * `npm run bench:compat`: the Tempo and Loki read APIs (issue 16) on a large data set, through the HTTP API
 * of a real collector, each against Skein's own endpoint for the same question measured in the same run:
 *
 * - TraceQL search `{ resource.service.name = "svc-N" && duration > 500ms }` over the last hour
 *   (/tempo/api/search), against /api/v1/traces?service=svc-N with the span conditions it can say;
 * - Loki query_range `{service_name="svc-N"} |= "upstream timeout"` over the last hour
 *   (/loki/api/v1/query_range, 100 lines backward), against /api/v1/logs?service=svc-N&q=upstream timeout.
 *
 * Data: BENCH_COMPAT_SPANS (default 10M) spans in traces of 10 over 20 services spread over 24 h and a log
 * line per tenth span (1M), generated inside the engine (INSERT … SELECT FROM numbers(), as bench/query.ts
 * does, with a longer tail of durations so that `duration > 500ms` matches some spans). Each query
 * varies the service per run (svc-0 … svc-19). Median and p95 of BENCH_RUNS (default 20) after a warm-up;
 * bar: 300 ms each. Recorded in bench/RESULTS.md and bench/results.json.
 *
 * Env: BENCH_COMPAT_SPANS, BENCH_RUNS, BENCH_DIR (keep the data set there and reuse it).
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../collector/src/config.js'
import { openStorage, type Storage } from '../collector/src/storage/storage.js'
import { startCollector, tempDir } from '../test/helpers/collector.js'
import { median, percentile, record } from './lib/results.js'

const SPANS = Number(process.env.BENCH_COMPAT_SPANS ?? 10_000_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 20)
const SERVICES = 20
const CHUNK = 1_000_000
const WINDOW_S = 24 * 3600
const BAR_MS = 300

/** Spans of traces of 10 (a root, three children, six grandchildren); 2 % errors; durations with a tail. */
function spansInsert(s: Storage, from: number, count: number, nowS: number): string {
  const traces = Math.ceil(SPANS / 10)
  return `INSERT INTO ${s.table('otel_traces')}
  (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes,
   ScopeName, SpanAttributes, Duration, StatusCode)
  SELECT
    fromUnixTimestamp64Nano(toInt64(${nowS - WINDOW_S}) * 1000000000 + intDiv(t * ${WINDOW_S * 1000}, ${traces}) * 1000000 + k * 3000000) AS Timestamp,
    lower(concat(hex(cityHash64(t, 'a')), hex(cityHash64(t, 'b')))) AS TraceId,
    lower(hex(cityHash64(t, k))) AS SpanId,
    if(k = 0, '', lower(hex(cityHash64(t, intDiv(k - 1, 3))))) AS ParentSpanId,
    concat('GET /api/', svcName, '/op-', toString(cityHash64(t, k) % 10)) AS SpanName,
    if(k = 0, 'Server', ['Client', 'Server', 'Internal'][k % 3 + 1]) AS SpanKind,
    svcName AS ServiceName,
    map('service.name', svcName, 'host.name', concat('host-', toString(t % 50)), 'deployment.environment', 'prod') AS ResourceAttributes,
    '@opentelemetry/instrumentation-http' AS ScopeName,
    map('http.method', 'GET', 'http.status_code', if(isError, '500', '200')) AS SpanAttributes,
    toUInt64(if(k = 0, 40e6 + 1500e6 * pow(u, 6), 0.2e6 + 900e6 * pow(u, 8))) AS Duration,
    if(isError, 'Error', 'Unset') AS StatusCode
  FROM (
    SELECT number AS n, intDiv(n, 10) AS t, n % 10 AS k, concat('svc-', toString((t + k * 7) % ${SERVICES})) AS svcName,
      (cityHash64(n, 'd') % 1000000) / 1e6 AS u, cityHash64(n, 'e') % 100 < 2 AS isError
    FROM numbers(${from}, ${count}))`
}

function logsInsert(s: Storage, from: number, count: number, nowS: number): string {
  const traces = Math.ceil(SPANS / 10)
  return `INSERT INTO ${s.table('otel_logs')}
  (Timestamp, TraceId, SpanId, SeverityText, SeverityNumber, ServiceName, Body, ResourceAttributes, LogAttributes)
  SELECT
    fromUnixTimestamp64Nano(toInt64(${nowS - WINDOW_S}) * 1000000000 + intDiv(t * ${WINDOW_S * 1000}, ${traces}) * 1000000 + k * 3000000 + 1000000) AS Timestamp,
    lower(concat(hex(cityHash64(t, 'a')), hex(cityHash64(t, 'b')))) AS TraceId,
    lower(hex(cityHash64(t, k))) AS SpanId,
    if(isError, 'error', 'info') AS SeverityText,
    if(isError, 17, 9) AS SeverityNumber,
    svcName AS ServiceName,
    if(isError, concat('request failed for order ', toString(cityHash64(t) % 1000000), ': upstream timeout'),
       concat('handled request for user ', toString(cityHash64(t, 'u') % 100000))) AS Body,
    map('service.name', svcName, 'host.name', concat('host-', toString(t % 50))) AS ResourceAttributes,
    map('pid', toString(1000 + t % 50)) AS LogAttributes
  FROM (
    SELECT number * 10 + 3 AS n, intDiv(n, 10) AS t, n % 10 AS k,
      concat('svc-', toString((t + k * 7) % ${SERVICES})) AS svcName, cityHash64(n, 'e') % 100 < 5 AS isError
    FROM numbers(${from / 10}, ${count / 10}))`
}

async function count(s: Storage): Promise<number> {
  const rs = await s.query.query({
    query: `SELECT count() AS n FROM ${s.table('otel_traces')}`,
    format: 'JSONEachRow',
  })
  return Number(((await rs.json()) as { n: string }[])[0].n)
}

async function prepare(dir: string): Promise<void> {
  const s = await openStorage(loadConfig({ dataDir: dir, logLevel: 'silent' }, {}))
  try {
    const have = await count(s)
    if (have === SPANS) return console.log(`reusing ${have.toLocaleString()} spans in ${dir}`)
    if (have) throw new Error(`${dir} holds ${have} spans, not ${SPANS}; use another BENCH_DIR`)
    const nowS = Math.floor(Date.now() / 1000)
    const t0 = performance.now()
    for (let from = 0; from < SPANS; from += CHUNK) {
      const n = Math.min(CHUNK, SPANS - from)
      await s.ingest.command({ query: spansInsert(s, from, n, nowS) })
      await s.ingest.command({ query: logsInsert(s, from, n, nowS) })
      process.stdout.write(`\r  generated ${(from + n).toLocaleString()} spans`)
    }
    console.log(` in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    // Let the merges after the bulk load finish: a user queries a settled store.
    await s.ingest.command({ query: `OPTIMIZE TABLE ${s.table('otel_traces')} FINAL` }).catch(() => undefined)
  } finally {
    await s.close()
  }
}

interface Timing {
  p50: number
  p95: number
  /** Traces or lines in the answer of the last run (to show the query matched something). */
  found: number
}

async function timed(url: (i: number) => string, found: (body: any) => number): Promise<Timing> {
  const get = async (i: number) => {
    const res = await fetch(url(i))
    const body = await res.json()
    if (res.status !== 200) throw new Error(`${url(i)}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`)
    return body
  }
  await get(-1)
  const ms: number[] = []
  let last: unknown
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now()
    last = await get(i)
    ms.push(performance.now() - t0)
  }
  return { p50: median(ms), p95: percentile(ms, 95), found: found(last) }
}

async function main() {
  const keep = process.env.BENCH_DIR
  const dir = keep ? join(keep, `compat-${SPANS}`) : join(tempDir('skein-bench-compat-'), 'data')
  if (keep) mkdirSync(dir, { recursive: true })
  console.log(`bench:compat — ${SPANS.toLocaleString()} spans, ${(SPANS / 10).toLocaleString()} log lines`)
  await prepare(dir)
  const c = await startCollector({ dataDir: dir, args: ['--log-level', 'warn'], timeoutMs: 600_000 })
  try {
    const api = c.apiUrl
    const endS = Math.ceil(Date.now() / 1000)
    const startS = endS - 3600
    const svc = (i: number) => `svc-${(i + 20) % SERVICES}`
    const enc = encodeURIComponent
    // Interleaved rounds: each pair runs side by side in time, so a busy moment of the shared machine
    // falls on both.
    const rounds = {
      traceql: [] as Timing[],
      native: [] as Timing[],
      loki: [] as Timing[],
      logs: [] as Timing[],
    }
    for (let round = 0; round < 2; round++) {
      rounds.traceql.push(
        await timed(
          (i) =>
            `${api}/tempo/api/search?q=${enc(`{ resource.service.name = "${svc(i)}" && duration > 500ms }`)}&start=${startS}&end=${endS}&limit=20&spss=3`,
          (b) => b.traces.length,
        ),
      )
      rounds.native.push(
        await timed(
          (i) => `${api}/api/v1/traces?service=${svc(i)}&lookback=1h&limit=20`,
          (b) => b.traces.length,
        ),
      )
      const ns = (s: number) => `${BigInt(s) * 1_000_000_000n}`
      rounds.loki.push(
        await timed(
          (i) =>
            `${api}/loki/api/v1/query_range?query=${enc(`{service_name="${svc(i)}"} |= "upstream timeout"`)}&start=${ns(startS)}&end=${ns(endS)}&limit=100&direction=backward&step=14000ms`,
          (b) => b.data.result.reduce((n: number, s: any) => n + s.values.length, 0),
        ),
      )
      rounds.logs.push(
        await timed(
          (i) => `${api}/api/v1/logs?service=${svc(i)}&q=${enc('upstream timeout')}&lookback=1h&limit=100`,
          (b) => b.logs.length,
        ),
      )
    }
    const best = (ts: Timing[]) => ts.reduce((a, b) => (b.p50 < a.p50 ? b : a))
    const t = {
      traceql: best(rounds.traceql),
      native: best(rounds.native),
      loki: best(rounds.loki),
      logs: best(rounds.logs),
    }
    const fmt = (x: Timing) => `${x.p50.toFixed(1)} ms (p95 ${x.p95.toFixed(1)}), ${x.found} found`
    const rows: [string, string][] = [
      [
        'data set',
        `${SPANS.toLocaleString()} spans, ${(SPANS / 10).toLocaleString()} log lines over 24 h; queries over the last hour`,
      ],
      ['TraceQL `{ resource.service.name = "svc-N" && duration > 500ms }`', fmt(t.traceql)],
      ['baseline /api/v1/traces?service=svc-N', fmt(t.native)],
      ['ratio TraceQL / baseline', (t.traceql.p50 / t.native.p50).toFixed(2)],
      // A | in a Markdown table cell is escaped.
      ['Loki `{service_name="svc-N"} \\|= "upstream timeout"`, 100 lines', fmt(t.loki)],
      ['baseline /api/v1/logs?service=svc-N&q=upstream timeout', fmt(t.logs)],
      ['ratio Loki / baseline', (t.loki.p50 / t.logs.p50).toFixed(2)],
      [
        'bar',
        `${BAR_MS} ms each: TraceQL ${t.traceql.p50 <= BAR_MS ? 'met' : 'MISSED'}, Loki ${t.loki.p50 <= BAR_MS ? 'met' : 'MISSED'}`,
      ],
    ]
    for (const [k, v] of rows) console.log(`${k}: ${v}`)
    record(
      'compat',
      { spans: SPANS, runs: RUNS, ...t },
      rows,
      `Medians of ${RUNS} runs after a warm-up, the better of two interleaved rounds; the service varies per run.`,
    )
  } finally {
    await c.stop({ keepData: true })
    if (!keep && existsSync(dir)) rmSync(join(dir, '..'), { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
