/**
 * `npm run bench:ingest`: ingest through a running collector — OTLP/HTTP protobuf, OTLP gRPC and Loki
 * JSON — in three shapes of load (requests in flight × items per request: 8 × 100, 32 × 100, 32 × 512),
 * each against the engine's own insert rate for the same rows measured right before it (the ceiling):
 *
 *   ceiling: the rows decoded from the same payloads, inserted straight into a fresh embedded engine
 *            (exporter schema, the collector's own writer and insert format) in batches of 100k rows,
 *            one after another; measured again right before each collector phase, since this machine's
 *            speed drifts under load;
 *   collector: `skein serve` as a child process on a fresh data dir, with its defaults (write-ahead log,
 *            --batch-rows 100000, --batch-delay 500ms); a load generator in this process sends the
 *            payloads with that many requests in flight; only acknowledged items count and refused
 *            (503 / UNAVAILABLE) requests are retried.
 *
 * Per phase: items/s and the ratio to its ceiling, acknowledgement latency p50 / p99 (send to answer),
 * inserts per 1M items (each insert makes one new part of the table when the rows are of one day, plus
 * one of the trace-id view for spans), peak RSS of the collector. One more phase measures the
 * acknowledgement latency below saturation: OTLP/HTTP 8 × 100 paced at half the rate the saturated
 * 8 × 100 phase reached.
 *
 * Bars (issue 17): 8 × 100 at ≥ 0.7 of the ceiling; no regression at 32 × 512 (0.72–0.88 of the
 * 100k-row ceiling before the log); p99 ack ≤ 50 ms below saturation.
 *
 * Env: BENCH_SPANS (default 500,000 per span phase), BENCH_LINES (default 500,000 per Loki phase).
 */
import { execSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../collector/src/config.js'
import { decodeLokiJson, decodeTracesProto } from '../collector/src/decode/index.js'
import { createWriter } from '../collector/src/pipeline/writer.js'
import { LOG_COLUMNS, SPAN_COLUMNS } from '../collector/src/rows.js'
import { openStorage } from '../collector/src/storage/storage.js'
import { startCollector, stored, tempDir } from '../test/helpers/collector.js'
import { runLoad } from './lib/load.js'
import { makePayload, withFreshIds } from './lib/otlp-gen.js'
import { cpuSeconds, percentile, record } from './lib/results.js'

const SPANS = Number(process.env.BENCH_SPANS ?? 500_000)
const LINES = Number(process.env.BENCH_LINES ?? 500_000)
/** Requests in flight × items per request. */
const SHAPES: readonly [number, number][] = [
  [8, 100],
  [32, 100],
  [32, 512],
]
/** The engine's rate at inserts this large: what the write-ahead log's insert stage aims for. */
const CEILING_BATCH = 100_000
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

/** One collector phase right after a ceiling measurement of the same signal (see the module comment). */
async function paired(name: string, kind: 'spans' | 'logs', load: Parameters<typeof phase>[1]) {
  const ceil = await ceiling(kind)
  const run = await phase(name, load)
  return { ...run, ceiling: ceil, ratio: run.rate / ceil }
}

/** Writes the previous phase's dirty pages to disk first, so that one phase's writeback does not slow the next. */
function settle(): void {
  execSync('sync')
}

async function phase(
  name: string,
  load: {
    httpSpans?: number
    grpcSpans?: number
    logLines?: number
    perRequest: number
    concurrency: number
    requestsPerSecond?: number
  },
) {
  settle()
  // The helper's test default is a short --batch-delay; the bench runs the collector's own default.
  const c = await startCollector({ args: ['--log-level', 'warn', '--batch-delay', '500ms'] })
  let peakRss = 0
  const probe = setInterval(async () => {
    try {
      const m = await (await fetch(`${c.ingestUrl}/metrics`)).text()
      peakRss = Math.max(peakRss, Number(/skein_process_resident_memory_bytes (\d+)/.exec(m)?.[1] ?? 0))
    } catch {}
  }, 250)
  const latencies: number[] = []
  const cpu0 = process.cpuUsage()
  const collectorCpu0 = cpuSeconds(c.process.pid)
  const r = await runLoad({
    ingestUrl: c.ingestUrl,
    grpcPort: c.ports.grpc,
    httpSpans: load.httpSpans ?? 0,
    grpcSpans: load.grpcSpans ?? 0,
    logLines: load.logLines ?? 0,
    spansPerRequest: load.perRequest,
    linesPerPush: load.perRequest,
    streamPerRecord: true,
    concurrency: { http: load.concurrency, grpc: load.concurrency, loki: load.concurrency },
    requestsPerSecond: load.requestsPerSecond,
    onAckMs: (ms) => latencies.push(ms),
  })
  clearInterval(probe)
  const loadCores = ((u) => (u.user + u.system) / 1e6 / r.seconds)(process.cpuUsage(cpu0))
  const collectorCores = (cpuSeconds(c.process.pid) - collectorCpu0) / r.seconds
  // What was acknowledged is stored once the log is empty; the inserts it took are in /metrics.
  await stored(c.ingestUrl, 120_000)
  const m = await (await fetch(`${c.ingestUrl}/metrics`)).text()
  const signal = load.logLines ? 'logs' : 'spans'
  const inserts = Number(
    new RegExp(`skein_insert_rows_count\\{signal="${signal}"\\} (\\d+)`).exec(m)?.[1] ?? 0,
  )
  await c.stop()
  const items = r.ackedSpans + r.ackedLogs
  const rate = items / r.seconds
  const p50 = percentile(latencies, 50)
  const p99 = percentile(latencies, 99)
  const insertsPerMillion = (inserts * 1e6) / items
  console.log(
    `  ${name}: ${items} acked in ${r.seconds.toFixed(1)} s = ${rate.toFixed(0)}/s, ack p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms, ${inserts} inserts (${insertsPerMillion.toFixed(0)} per 1M), ${r.refused} refusals retried, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; CPU: collector ${collectorCores.toFixed(2)} cores, load generator ${loadCores.toFixed(2)}`,
  )
  return { rate, items, refused: r.refused, peakRss, seconds: r.seconds, p50, p99, insertsPerMillion }
}

type Protocol = 'OTLP/HTTP' | 'gRPC' | 'Loki'
const PROTOCOLS: readonly Protocol[] = ['OTLP/HTTP', 'gRPC', 'Loki']

const loadOf = (protocol: Protocol, concurrency: number, perRequest: number) =>
  protocol === 'OTLP/HTTP'
    ? { httpSpans: SPANS, concurrency, perRequest }
    : protocol === 'gRPC'
      ? { grpcSpans: SPANS, concurrency, perRequest }
      : { logLines: LINES, concurrency, perRequest }

async function main() {
  console.log('collector phases (in flight × per request), each right after its ceiling at 100k-row batches:')
  const runs: { protocol: Protocol; shape: string; run: Awaited<ReturnType<typeof paired>> }[] = []
  for (const protocol of PROTOCOLS) {
    for (const [concurrency, perRequest] of SHAPES) {
      const shape = `${concurrency} × ${perRequest}`
      const kind = protocol === 'Loki' ? 'logs' : 'spans'
      const run = await paired(`${protocol} ${shape}`, kind, loadOf(protocol, concurrency, perRequest))
      runs.push({ protocol, shape, run })
    }
  }
  // Below saturation: OTLP/HTTP 8 × 100 paced at half the rate the saturated phase reached.
  const saturated = runs.find((r) => r.protocol === 'OTLP/HTTP' && r.shape === '8 × 100')?.run
  const pacedRate = (saturated?.rate ?? 10_000) / 2
  const paced = await phase('OTLP/HTTP 8 × 100 paced at half that rate', {
    httpSpans: Math.min(SPANS, Math.round(pacedRate * 10)),
    concurrency: 8,
    perRequest: 100,
    requestsPerSecond: pacedRate / 100,
  })
  const rows: [string, string][] = runs.map(({ protocol, shape, run }) => [
    `${protocol} ${shape} (${protocol === 'Loki' ? 'lines' : 'spans'}/s, ratio to the engine at 100k-row batches right before)`,
    `${run.rate.toFixed(0)} / ${run.ceiling.toFixed(0)} = **${run.ratio.toFixed(2)}**; ack p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms; ${run.insertsPerMillion.toFixed(0)} inserts per 1M; peak RSS ${(run.peakRss / 2 ** 20).toFixed(0)} MiB; ${run.refused} 503s retried`,
  ])
  rows.push([
    'OTLP/HTTP 8 × 100 below saturation (paced at half the saturated rate)',
    `${paced.rate.toFixed(0)} spans/s; ack p50 ${paced.p50.toFixed(1)} ms, **p99 ${paced.p99.toFixed(1)} ms**`,
  ])
  const http8 = runs.find((r) => r.protocol === 'OTLP/HTTP' && r.shape === '8 × 100')?.run
  rows.push([
    'bars',
    `8 × 100 OTLP/HTTP ratio ${http8?.ratio.toFixed(2)} (bar ≥ 0.7); p99 ack below saturation ${paced.p99.toFixed(1)} ms (bar ≤ 50)`,
  ])
  rows.push([
    'load',
    `${SPANS} spans per span phase, ${LINES} lines per Loki phase (a stream per line as pino-loki sends them), generator on the same machine; collector defaults (write-ahead log, --batch-rows 100000, --batch-delay 500ms)`,
  ])
  for (const [k, v] of rows) console.log(`${k}: ${v}`)
  record(
    'ingest',
    {
      phases: runs.map(({ protocol, shape, run }) => ({
        protocol,
        shape,
        rate: run.rate,
        ceiling: run.ceiling,
        ratio: run.ratio,
        ackP50Ms: run.p50,
        ackP99Ms: run.p99,
        insertsPerMillion: run.insertsPerMillion,
        peakRssBytes: run.peakRss,
      })),
      belowSaturation: { rate: paced.rate, ackP50Ms: paced.p50, ackP99Ms: paced.p99 },
    },
    rows,
  )
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
