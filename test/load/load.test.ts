/**
 * Load beyond what the collector can take, on loopback, bounded in count: spans over OTLP gRPC and
 * HTTP plus log lines over Loki push, concurrently; clients retry refused requests. At the end the
 * stored counts equal the acknowledged counts exactly, peak memory stayed under the configured bound, and
 * the collector is still healthy. LOAD_SPANS / LOAD_LINES change the size (default 1M each).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { runLoad } from '../../bench/lib/load.js'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { withStore } from '../helpers/store.js'

const SPANS = Number(process.env.LOAD_SPANS ?? 1_000_000)
const LINES = Number(process.env.LOAD_LINES ?? 1_000_000)
const MEMORY_LIMIT_MIB = 1024

let c: RunningCollector | undefined
afterAll(async () => {
  await c?.stop()
})

describe('the collector under more load than it can take', () => {
  it('stores exactly what it acknowledged, within its memory bound, and stays healthy', async () => {
    c = await startCollector({
      // A small queue so that refusals really happen at this load.
      args: ['--memory-limit', `${MEMORY_LIMIT_MIB}MiB`, '--max-queue-rows', '5000'],
    })
    let peakRss = 0
    // What --memory-limit bounds: the memory the process allocated (anonymous RSS), not the engine's
    // library mapped from disk, which plain RSS also counts (≈ 215 MB, constant).
    let peakUsed = 0
    const probe = setInterval(async () => {
      try {
        const m = await (await fetch(`${c?.ingestUrl}/metrics`)).text()
        peakRss = Math.max(peakRss, Number(/skein_process_resident_memory_bytes (\d+)/.exec(m)?.[1] ?? 0))
        peakUsed = Math.max(peakUsed, Number(/skein_memory_used_bytes (\d+)/.exec(m)?.[1] ?? 0))
      } catch {}
    }, 250)
    const result = await runLoad({
      ingestUrl: c.ingestUrl,
      grpcPort: c.ports.grpc,
      httpSpans: SPANS / 2,
      grpcSpans: SPANS / 2,
      logLines: LINES,
      concurrency: { http: 32, grpc: 32, loki: 16 },
    })
    clearInterval(probe)
    console.log(
      `load: ${result.ackedSpans} spans + ${result.ackedLogs} lines acked in ${result.seconds.toFixed(1)} s ` +
        `(${((result.ackedSpans + result.ackedLogs) / result.seconds).toFixed(0)} items/s), ${result.refused} refusals retried, ` +
        `peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB, of it allocated ${(peakUsed / 2 ** 20).toFixed(0)} MiB (bound ${MEMORY_LIMIT_MIB} MiB)`,
    )
    expect(result.failed).toBe(0)
    expect(result.ackedSpans).toBe(SPANS)
    expect(result.ackedLogs).toBe(LINES)
    expect(result.refused).toBeGreaterThan(0)
    expect(peakUsed).toBeGreaterThan(0)
    expect(peakUsed).toBeLessThan(MEMORY_LIMIT_MIB * 2 ** 20)
    expect((await fetch(`${c.ingestUrl}/health`)).status).toBe(200)
    expect(await c.stop({ keepData: true })).toBe(0)
    const dataDir = c.dataDir
    c = undefined
    const [counts] = await withStore(dataDir, (q) =>
      q<{ spans: string; logs: string }>(
        'SELECT (SELECT count() FROM otel.otel_traces) AS spans, (SELECT count() FROM otel.otel_logs) AS logs',
      ),
    )
    expect(Number(counts.spans)).toBe(result.ackedSpans)
    expect(Number(counts.logs)).toBe(result.ackedLogs)
  }, 480_000)
})
