/**
 * `npm run bench:ingest`: OTLP/HTTP protobuf ingest through a running collector vs the engine's own
 * insert rate for the same rows, schema and format, measured in the same run.
 *
 *   1. ceiling: the same rows (decoded from the same payloads) inserted straight into a fresh embedded
 *      engine with the exporter schema, JSONCompactEachRow, batches of 10k, through the same writer;
 *   2. collector: `skein serve` as a child process; a load generator in this process sends ≥ 1M spans,
 *      100 per request, several requests in flight; only acknowledged (200) spans count; 503s are retried.
 *
 * Env: BENCH_SPANS (default 1,000,000), BENCH_CONCURRENCY (default 8), BENCH_CEILING_SPANS (default 300,000).
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../collector/src/config.js'
import { decodeTracesProto } from '../collector/src/decode/index.js'
import { createWriter } from '../collector/src/pipeline/writer.js'
import { SPAN_COLUMNS, type SpanRow } from '../collector/src/rows.js'
import { openStorage } from '../collector/src/storage/storage.js'
import { startCollector, tempDir } from '../test/helpers/collector.js'
import { makePayload, type Payload, withFreshIds } from './lib/otlp-gen.js'
import { median, record } from './lib/results.js'

const TOTAL = Number(process.env.BENCH_SPANS ?? 1_000_000)
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8)
const CEILING_SPANS = Number(process.env.BENCH_CEILING_SPANS ?? 300_000)
const PER_REQUEST = 100

async function ceiling(templates: Payload[]): Promise<number[]> {
  const dir = join(tempDir('skein-bench-ceiling-'), 'data')
  const storage = await openStorage(loadConfig({ dataDir: dir }, {}))
  const writer = createWriter(storage.ingest)
  const table = storage.table('otel_traces')
  const batches: SpanRow[][] = []
  let batch: SpanRow[] = []
  for (let i = 0; i < CEILING_SPANS / PER_REQUEST; i++) {
    for (const r of decodeTracesProto(withFreshIds(templates[i % templates.length])).rows) batch.push(r)
    if (batch.length >= 10_000) {
      batches.push(batch)
      batch = []
    }
  }
  if (batch.length) batches.push(batch)
  // Three rounds over thirds of the batches: a median rather than one noisy figure.
  const rates: number[] = []
  const third = Math.ceil(batches.length / 3)
  for (let r = 0; r < 3; r++) {
    const part = batches.slice(r * third, (r + 1) * third)
    const rows = part.reduce((n, b) => n + b.length, 0)
    const t0 = performance.now()
    for (const b of part) await writer.insert(table, SPAN_COLUMNS, b)
    rates.push(rows / ((performance.now() - t0) / 1000))
  }
  await storage.close()
  rmSync(join(dir, '..'), { recursive: true, force: true })
  return rates
}

async function throughCollector(templates: Payload[]) {
  const c = await startCollector({ args: ['--log-level', 'warn'] })
  const url = `${c.ingestUrl}/v1/traces`
  let acked = 0
  let refused = 0
  let next = 0
  let peakRss = 0
  const requests = Math.ceil(TOTAL / PER_REQUEST)
  const rssTimer = setInterval(async () => {
    try {
      const m = await (await fetch(`${c.ingestUrl}/metrics`)).text()
      peakRss = Math.max(peakRss, Number(/skein_process_resident_memory_bytes (\d+)/.exec(m)?.[1] ?? 0))
    } catch {}
  }, 500)
  const windows: number[] = []
  let lastAcked = 0
  const windowTimer = setInterval(() => {
    windows.push(acked - lastAcked)
    lastAcked = acked
  }, 1000)
  const t0 = performance.now()
  async function worker() {
    for (;;) {
      const i = next++
      if (i >= requests) return
      const body = withFreshIds(templates[i % templates.length])
      for (;;) {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body })
        await res.arrayBuffer()
        if (res.status === 200) {
          acked += PER_REQUEST
          break
        }
        if (res.status === 503) {
          refused++
          await new Promise((r) => setTimeout(r, 50))
          continue
        }
        throw new Error(`unexpected status ${res.status}`)
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const seconds = (performance.now() - t0) / 1000
  clearInterval(rssTimer)
  clearInterval(windowTimer)
  await c.stop()
  return { rate: acked / seconds, acked, refused, seconds, peakRss, windowMedian: median(windows.length ? windows : [acked / seconds]) }
}

async function main() {
  console.log(`generating payloads (${PER_REQUEST} spans per request)…`)
  const templates = Array.from({ length: 400 }, (_, i) => makePayload(PER_REQUEST, i))
  const bytesPerSpan = templates.reduce((n, t) => n + t.bytes.length, 0) / (templates.length * PER_REQUEST)
  console.log(`payload: ${bytesPerSpan.toFixed(0)} protobuf bytes per span`)
  console.log(`ceiling: ${CEILING_SPANS} spans straight into the engine…`)
  const ceil = await ceiling(templates)
  const ceilingRate = median(ceil)
  console.log(`  engine insert: ${ceil.map((r) => r.toFixed(0)).join(', ')} spans/s (median ${ceilingRate.toFixed(0)})`)
  console.log(`collector: ${TOTAL} spans over OTLP/HTTP protobuf, ${CONCURRENCY} in flight…`)
  const run = await throughCollector(templates)
  const ratio = run.rate / ceilingRate
  console.log(`  acked ${run.acked} spans in ${run.seconds.toFixed(1)} s = ${run.rate.toFixed(0)} spans/s (median 1 s window ${run.windowMedian})`)
  console.log(`  503s retried: ${run.refused}; peak collector RSS ${(run.peakRss / 2 ** 20).toFixed(0)} MiB`)
  console.log(`  ratio to the engine ceiling: ${ratio.toFixed(2)}`)
  record(
    'ingest (OTLP/HTTP protobuf)',
    { spansPerSecond: run.rate, ceilingSpansPerSecond: ceilingRate, ratio, acked: run.acked, refused: run.refused, peakRssBytes: run.peakRss },
    [
      ['spans acknowledged', String(run.acked)],
      ['collector spans/s (whole run)', run.rate.toFixed(0)],
      ['collector spans/s (median 1 s window)', String(run.windowMedian)],
      ['engine ceiling spans/s (median of 3)', ceilingRate.toFixed(0)],
      ['ratio collector / ceiling', ratio.toFixed(2)],
      ['503 retries', String(run.refused)],
      ['peak collector RSS', `${(run.peakRss / 2 ** 20).toFixed(0)} MiB`],
      ['load', `${PER_REQUEST} spans/request, ${CONCURRENCY} in flight, ${bytesPerSpan.toFixed(0)} B/span protobuf, load generator on the same machine`],
    ],
  )
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
