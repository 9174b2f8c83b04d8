/**
 * `npm run bench:ingest`: ingest through a running collector — OTLP/HTTP protobuf, OTLP gRPC and Loki
 * JSON — each against the engine's own insert rate for the same rows, schema and format measured in the
 * same run (the ceiling):
 *
 *   ceiling: the rows decoded from the same payloads, inserted straight into a fresh embedded engine
 *            (exporter schema, the collector's own writer and insert format), in batches of 10k rows,
 *            the batcher's size bound (DESIGN.md), one after another; measured again right before each
 *            collector phase, since this machine's speed drifts under load. The engine takes larger
 *            batches faster still, so one more ceiling at 100k-row batches is reported beside it;
 *   collector: `skein serve` as a child process on a fresh data dir; a load generator in this process
 *            sends the payloads with several requests in flight; only acknowledged items count and
 *            refused (503 / UNAVAILABLE) requests are retried.
 *
 * Span requests carry 512 spans, what the OpenTelemetry SDK's batch span processor sends under load
 * (maxExportBatchSize). A collector acknowledges only stored rows, so its batches can be no larger than
 * what its clients have in flight (32 × 512 here); one more OTLP/HTTP round sends requests of 100.
 *
 * Env: BENCH_SPANS (default 1,000,000 per span protocol), BENCH_LINES (default 1,000,000),
 * BENCH_CONCURRENCY (default 32), BENCH_ROUNDS (OTLP/HTTP rounds, default 3), BENCH_CEILING_ROWS (default
 * BENCH_SPANS), BENCH_SPANS_PER_REQUEST (default 512).
 */
import { execSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../collector/src/config.js'
import { decodeLokiJson, decodeTracesProto } from '../collector/src/decode/index.js'
import { createWriter } from '../collector/src/pipeline/writer.js'
import { LOG_COLUMNS, SPAN_COLUMNS } from '../collector/src/rows.js'
import { openStorage } from '../collector/src/storage/storage.js'
import { startCollector, tempDir } from '../test/helpers/collector.js'
import { runLoad } from './lib/load.js'
import { makePayload, withFreshIds } from './lib/otlp-gen.js'
import { median, record } from './lib/results.js'

const SPANS = Number(process.env.BENCH_SPANS ?? 1_000_000)
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const PER_REQUEST = Number(process.env.BENCH_SPANS_PER_REQUEST ?? 512)
/** Loki pushes as pino-loki sends them: a stream per record, 1,000 records per push (issue 3). */
const LINES_PER_PUSH = 1000
/** The batcher's size bound (DESIGN.md), and a batch size the engine takes faster still. */
const CEILING_BATCH = 10_000
const LARGE_BATCH = 100_000
// The ceiling inserts as many rows as the collector run, so both pay the same merges as the table grows.
const CEILING_ROWS = Number(process.env.BENCH_CEILING_ROWS ?? SPANS)

/** The same lines as the load generator's pushes (the rows do not depend on how they are grouped in streams). */
function lokiBody(req: number): unknown {
  const base = BigInt(Date.now()) * 1_000_000n
  return {
    streams: [
      {
        stream: { service_name: `load-${req % 4}`, env: 'load' },
        values: Array.from({ length: 500 }, (_, i) => [
          `${base + BigInt(i)}`,
          JSON.stringify({
            level: 30,
            msg: `order ${req}-${i} processed`,
            req,
            i,
            trace_id: '0af7651916cd43dd8448eb211c80319c',
          }),
        ]),
      },
    ],
  }
}

/**
 * The ceiling's rows, decoded from the same payloads the load generator sends. Made afresh for each
 * ceiling and dropped after it: a million rows kept alive would slow the load generator's GC, which
 * shares this process, in the collector phases.
 */
function rowsFor(kind: 'spans' | 'logs'): unknown[][] {
  if (kind === 'logs')
    return Array.from(
      { length: CEILING_ROWS / 500 },
      (_, i) => decodeLokiJson(lokiBody(i), { maxLineBytes: 262_144 }).rows,
    ).flat()
  const templates = Array.from({ length: 50 }, (_, i) => makePayload(100, i))
  return Array.from(
    { length: CEILING_ROWS / 100 },
    (_, i) => decodeTracesProto(withFreshIds(templates[i % 50])).rows,
  ).flat()
}

/**
 * Rows per second of direct inserts into a fresh embedded engine: the collector's own writer and insert
 * format, batches of `batch` rows, one after another, as many rows as a collector phase.
 */
async function ceiling(kind: 'spans' | 'logs', batch = CEILING_BATCH): Promise<number> {
  const rows = rowsFor(kind)
  const dir = join(tempDir('skein-bench-ceiling-'), 'data')
  const storage = await openStorage(loadConfig({ dataDir: dir }, {}))
  const writer = createWriter(kind === 'spans' ? storage.ingest : storage.ingestLogs, {
    stagingDir: storage.stagingDir,
  })
  const table = storage.table(kind === 'spans' ? 'otel_traces' : 'otel_logs')
  const columns = kind === 'spans' ? SPAN_COLUMNS : LOG_COLUMNS
  const t0 = performance.now()
  for (let i = 0; i < rows.length; i += batch) await writer.insert(table, columns, rows.slice(i, i + batch))
  const rate = rows.length / ((performance.now() - t0) / 1000)
  await storage.close()
  rmSync(join(dir, '..'), { recursive: true, force: true })
  console.log(
    `  ceiling, ${kind}: ${rows.length} rows straight into the engine in batches of ${batch} = ${rate.toFixed(0)}/s`,
  )
  return rate
}

/**
 * One collector phase right after a ceiling measurement of the same signal. This machine's speed drifts
 * under sustained load (the same phase runs up to 1.6x slower minutes later), so each rate is divided by
 * a ceiling measured just before it rather than by one measured at the start.
 */
async function paired(name: string, kind: 'spans' | 'logs', load: Parameters<typeof phase>[1]) {
  const ceil = await ceiling(kind)
  const run = await phase(name, load)
  return { ...run, ceiling: ceil, ratio: run.rate / ceil }
}

/** CPU time a process has used so far (user + system), from /proc. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return Number.NaN
  }
}

/** Writes the previous phase's dirty pages to disk first, so that one phase's writeback does not slow the next. */
function settle(): void {
  execSync('sync')
}

async function phase(
  name: string,
  load: { httpSpans?: number; grpcSpans?: number; logLines?: number; spansPerRequest?: number },
) {
  settle()
  const c = await startCollector({ args: ['--log-level', 'warn'] })
  let peakRss = 0
  const probe = setInterval(async () => {
    try {
      const m = await (await fetch(`${c.ingestUrl}/metrics`)).text()
      peakRss = Math.max(peakRss, Number(/skein_process_resident_memory_bytes (\d+)/.exec(m)?.[1] ?? 0))
    } catch {}
  }, 500)
  const cpu0 = process.cpuUsage()
  const collectorCpu0 = cpuSeconds(c.process.pid)
  const r = await runLoad({
    ingestUrl: c.ingestUrl,
    grpcPort: c.ports.grpc,
    httpSpans: load.httpSpans ?? 0,
    grpcSpans: load.grpcSpans ?? 0,
    logLines: load.logLines ?? 0,
    spansPerRequest: load.spansPerRequest ?? PER_REQUEST,
    linesPerPush: LINES_PER_PUSH,
    streamPerRecord: true,
    concurrency: { http: CONCURRENCY, grpc: CONCURRENCY, loki: CONCURRENCY },
  })
  clearInterval(probe)
  const loadCores = ((u) => (u.user + u.system) / 1e6 / r.seconds)(process.cpuUsage(cpu0))
  const collectorCores = (cpuSeconds(c.process.pid) - collectorCpu0) / r.seconds
  await c.stop()
  const items = r.ackedSpans + r.ackedLogs
  const rate = items / r.seconds
  console.log(
    `  ${name}: ${items} acked in ${r.seconds.toFixed(1)} s = ${rate.toFixed(0)}/s, ${r.refused} refusals retried, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; CPU: collector ${collectorCores.toFixed(2)} cores, load generator ${loadCores.toFixed(2)}`,
  )
  return { rate, items, refused: r.refused, peakRss, seconds: r.seconds }
}

async function main() {
  console.log(`collector (${CONCURRENCY} requests in flight per protocol), each phase after its ceiling:`)
  // The bars are on OTLP/HTTP protobuf: several rounds, each on a fresh collector, and their medians.
  const httpRounds = []
  for (let r = 0; r < ROUNDS; r++)
    httpRounds.push(await paired(`OTLP/HTTP protobuf spans, round ${r + 1}`, 'spans', { httpSpans: SPANS }))
  const mid = <T>(xs: T[], key: (x: T) => number) =>
    [...xs].sort((a, b) => key(a) - key(b))[Math.floor(xs.length / 2)]
  const http = mid(httpRounds, (r) => r.rate)
  const httpRatio = median(httpRounds.map((r) => r.ratio))
  const spanCeiling = median(httpRounds.map((r) => r.ceiling))
  // The engine's rate at larger batches than the batcher makes, and the collector with smaller requests.
  const large = await ceiling('spans', LARGE_BATCH)
  const small = await paired('OTLP/HTTP protobuf spans, 100 per request', 'spans', {
    httpSpans: SPANS,
    spansPerRequest: 100,
  })
  const grpc = await paired('OTLP gRPC spans', 'spans', { grpcSpans: SPANS })
  const loki = await paired('Loki JSON log lines', 'logs', { logLines: LINES })
  const rows: [string, string][] = [
    [
      `engine ceiling, spans (rows/s in ${CEILING_BATCH}-row batches, median of the ${ROUNDS} OTLP/HTTP rounds' ceilings)`,
      spanCeiling.toFixed(0),
    ],
    [
      `engine, spans in ${LARGE_BATCH}-row batches (rows/s, once)`,
      `${large.toFixed(0)}; OTLP/HTTP median / this = ${(http.rate / large).toFixed(2)}`,
    ],
    [
      `OTLP/HTTP protobuf spans/s (median of ${ROUNDS} rounds)`,
      `${http.rate.toFixed(0)}, ratio ${httpRatio.toFixed(2)} (median of the rounds' ratios); rounds ${httpRounds.map((r) => `${r.rate.toFixed(0)} / ${r.ceiling.toFixed(0)} = ${r.ratio.toFixed(2)}`).join(', ')}`,
    ],
    [
      'OTLP/HTTP protobuf spans/s, 100 spans per request',
      `${small.rate.toFixed(0)} / ${small.ceiling.toFixed(0)} = ratio ${small.ratio.toFixed(2)}`,
    ],
    [
      'OTLP gRPC spans/s',
      `${grpc.rate.toFixed(0)} / ${grpc.ceiling.toFixed(0)} = ratio ${grpc.ratio.toFixed(2)}`,
    ],
    [
      'Loki JSON lines/s',
      `${loki.rate.toFixed(0)} / ${loki.ceiling.toFixed(0)} = ratio ${loki.ratio.toFixed(2)}`,
    ],
    ['503 retries (http / grpc / loki)', `${http.refused} / ${grpc.refused} / ${loki.refused}`],
    [
      'peak collector RSS (http / grpc / loki)',
      [http, grpc, loki].map((p) => `${(p.peakRss / 2 ** 20).toFixed(0)} MiB`).join(' / '),
    ],
    [
      'load',
      `${SPANS} spans per protocol (${PER_REQUEST}/request), ${LINES} lines (${LINES_PER_PUSH}/push, a stream per line as pino-loki sends them), ${CONCURRENCY} in flight, generator on the same machine`,
    ],
  ]
  for (const [k, v] of rows) console.log(`${k}: ${v}`)
  record(
    'ingest',
    {
      spanCeiling,
      logCeiling: loki.ceiling,
      httpSpansPerSecond: http.rate,
      httpRatio,
      httpRounds: httpRounds.map((r) => ({ rate: r.rate, ceiling: r.ceiling, ratio: r.ratio })),
      spansPerRequest: PER_REQUEST,
      largeBatchCeiling: large,
      httpRatioToLargeBatchCeiling: http.rate / large,
      http100PerRequest: { rate: small.rate, ceiling: small.ceiling, ratio: small.ratio },
      grpcSpansPerSecond: grpc.rate,
      grpcRatio: grpc.ratio,
      lokiLinesPerSecond: loki.rate,
      lokiRatio: loki.ratio,
      peakRssBytes: Math.max(http.peakRss, grpc.peakRss, loki.peakRss),
    },
    rows,
  )
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
