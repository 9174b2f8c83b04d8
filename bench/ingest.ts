/**
 * `npm run bench:ingest`: ingest through a running collector — OTLP/HTTP protobuf, OTLP gRPC and Loki
 * JSON — each against the engine's own insert rate for the same rows, schema and format measured in the
 * same run (the ceiling):
 *
 *   ceiling: the rows decoded from the same payloads, inserted straight into a fresh embedded engine
 *            (exporter schema, JSONCompactEachRow, 10k-row batches, the collector's own writer);
 *   collector: `skein serve` as a child process on a fresh data dir; a load generator in this process
 *            sends the payloads with several requests in flight; only acknowledged items count and
 *            refused (503 / UNAVAILABLE) requests are retried.
 *
 * Env: BENCH_SPANS (default 1,000,000 per span protocol), BENCH_LINES (default 1,000,000),
 * BENCH_CONCURRENCY (default 32), BENCH_ROUNDS (OTLP/HTTP rounds, default 3), BENCH_CEILING_ROWS (default BENCH_SPANS).
 */
import { execSync } from 'node:child_process'
import { rmSync } from 'node:fs'
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
// The ceiling inserts as many rows as the collector run, so both pay the same merges as the table grows.
const CEILING_ROWS = Number(process.env.BENCH_CEILING_ROWS ?? SPANS)

/** The same Loki body shape as the load generator's pushes (500 pino lines per push). */
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

/** Rows per second of direct inserts, three rounds (medians), spans and logs. */
async function ceilings(): Promise<{ spans: number[]; logs: number[] }> {
  const dir = join(tempDir('skein-bench-ceiling-'), 'data')
  const storage = await openStorage(loadConfig({ dataDir: dir }, {}))
  const templates = Array.from({ length: 50 }, (_, i) => makePayload(100, i))
  const spanRows = Array.from(
    { length: CEILING_ROWS / 100 },
    (_, i) => decodeTracesProto(withFreshIds(templates[i % 50])).rows,
  ).flat()
  const logRows = Array.from(
    { length: CEILING_ROWS / 500 },
    (_, i) => decodeLokiJson(lokiBody(i), { maxLineBytes: 262_144 }).rows,
  ).flat()
  const rate = async (
    client: typeof storage.ingest,
    table: string,
    columns: readonly string[],
    rows: unknown[][],
  ) => {
    const writer = createWriter(client, { stagingDir: storage.stagingDir })
    const out: number[] = []
    const third = Math.ceil(rows.length / 3)
    for (let r = 0; r < 3; r++) {
      const part = rows.slice(r * third, (r + 1) * third)
      const t0 = performance.now()
      for (let i = 0; i < part.length; i += 10_000)
        await writer.insert(table, columns, part.slice(i, i + 10_000))
      out.push(part.length / ((performance.now() - t0) / 1000))
    }
    return out
  }
  const spans = await rate(storage.ingest, storage.table('otel_traces'), SPAN_COLUMNS, spanRows)
  const logs = await rate(storage.ingestLogs, storage.table('otel_logs'), LOG_COLUMNS, logRows)
  await storage.close()
  rmSync(join(dir, '..'), { recursive: true, force: true })
  settle()
  return { spans, logs }
}

/** Writes the previous phase's dirty pages to disk first, so that one phase's writeback does not slow the next. */
function settle(): void {
  execSync('sync')
}

async function phase(name: string, load: { httpSpans?: number; grpcSpans?: number; logLines?: number }) {
  settle()
  const c = await startCollector({ args: ['--log-level', 'warn'] })
  let peakRss = 0
  const probe = setInterval(async () => {
    try {
      const m = await (await fetch(`${c.ingestUrl}/metrics`)).text()
      peakRss = Math.max(peakRss, Number(/skein_process_resident_memory_bytes (\d+)/.exec(m)?.[1] ?? 0))
    } catch {}
  }, 500)
  const r = await runLoad({
    ingestUrl: c.ingestUrl,
    grpcPort: c.ports.grpc,
    httpSpans: load.httpSpans ?? 0,
    grpcSpans: load.grpcSpans ?? 0,
    logLines: load.logLines ?? 0,
    concurrency: { http: CONCURRENCY, grpc: CONCURRENCY, loki: Math.max(2, CONCURRENCY / 4) },
  })
  clearInterval(probe)
  await c.stop()
  const items = r.ackedSpans + r.ackedLogs
  const rate = items / r.seconds
  console.log(
    `  ${name}: ${items} acked in ${r.seconds.toFixed(1)} s = ${rate.toFixed(0)}/s, ${r.refused} refusals retried, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
  )
  return { rate, items, refused: r.refused, peakRss, seconds: r.seconds }
}

async function main() {
  console.log(`ceiling: ${CEILING_ROWS} spans and ${CEILING_ROWS} log lines straight into the engine…`)
  const ceil = await ceilings()
  const spanCeiling = median(ceil.spans)
  const logCeiling = median(ceil.logs)
  console.log(
    `  spans ${ceil.spans.map((x) => x.toFixed(0)).join(', ')} rows/s; logs ${ceil.logs.map((x) => x.toFixed(0)).join(', ')} rows/s`,
  )
  console.log(`collector (${CONCURRENCY} requests in flight per protocol):`)
  // The bars are on OTLP/HTTP protobuf: several rounds, each on a fresh collector, and their median.
  const httpRounds = []
  for (let r = 0; r < ROUNDS; r++)
    httpRounds.push(await phase(`OTLP/HTTP protobuf spans, round ${r + 1}`, { httpSpans: SPANS }))
  const http = [...httpRounds].sort((a, b) => a.rate - b.rate)[Math.floor(httpRounds.length / 2)]
  const grpc = await phase('OTLP gRPC spans', { grpcSpans: SPANS })
  const loki = await phase('Loki JSON log lines', { logLines: LINES })
  const rows: [string, string][] = [
    ['engine ceiling, spans (rows/s, median of 3)', spanCeiling.toFixed(0)],
    ['engine ceiling, logs (rows/s, median of 3)', logCeiling.toFixed(0)],
    [
      `OTLP/HTTP protobuf spans/s (median of ${ROUNDS} rounds)`,
      `${http.rate.toFixed(0)} (ratio ${(http.rate / spanCeiling).toFixed(2)}); rounds ${httpRounds.map((r) => r.rate.toFixed(0)).join(', ')}`,
    ],
    ['OTLP gRPC spans/s', `${grpc.rate.toFixed(0)} (ratio ${(grpc.rate / spanCeiling).toFixed(2)})`],
    ['Loki JSON lines/s', `${loki.rate.toFixed(0)} (ratio ${(loki.rate / logCeiling).toFixed(2)})`],
    ['503 retries (http / grpc / loki)', `${http.refused} / ${grpc.refused} / ${loki.refused}`],
    [
      'peak collector RSS (http / grpc / loki)',
      [http, grpc, loki].map((p) => `${(p.peakRss / 2 ** 20).toFixed(0)} MiB`).join(' / '),
    ],
    [
      'load',
      `${SPANS} spans per protocol (100/request), ${LINES} lines (500/push), ${CONCURRENCY} in flight, generator on the same machine`,
    ],
  ]
  for (const [k, v] of rows) console.log(`${k}: ${v}`)
  record(
    'ingest',
    {
      spanCeiling,
      logCeiling,
      httpSpansPerSecond: http.rate,
      httpRatio: http.rate / spanCeiling,
      grpcSpansPerSecond: grpc.rate,
      grpcRatio: grpc.rate / spanCeiling,
      lokiLinesPerSecond: loki.rate,
      lokiRatio: loki.rate / logCeiling,
      peakRssBytes: Math.max(http.peakRss, grpc.peakRss, loki.peakRss),
    },
    rows,
  )
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
