/**
 * The write-ahead log's disk fills up under load (issue 17): requests whose write fails are answered 503
 * (never acknowledged: their rows are cut off the segment), the collector keeps running and answering,
 * and once space returns ingest goes on; everything acknowledged is stored exactly once. The log lives on
 * a real 64 MiB tmpfs mounted for the test, all but 768 KiB of it taken by a filler file, with inserts held back so
 * that only the log grows. Mounting needs root: elsewhere the test is skipped (it says so), since faking
 * ENOSPC in the process would not exercise the kernel's partial writes.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runLoad } from '../../bench/lib/load.js'
import { type RunningCollector, startCollector, tempDir } from '../helpers/collector.js'
import { withStore } from '../helpers/store.js'

const root = tempDir('skein-disk-full-')
const mnt = join(root, 'wal-disk')

function mountTmpfs(): boolean {
  try {
    mkdirSync(mnt, { recursive: true })
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const mounted = mountTmpfs()

let c: RunningCollector | undefined
afterAll(async () => {
  await c?.stop()
  if (mounted) execFileSync('umount', ['-l', mnt], { stdio: 'ignore' })
  rmSync(root, { recursive: true, force: true })
})

describe.skipIf(!mounted)('the write-ahead log on a full disk (a 64 MiB tmpfs; needs root to mount)', () => {
  it('answers 503 while the disk is full, never crashes, and stores exactly what it acknowledged once space returns', async () => {
    const dataDir = join(root, 'data')
    const walDir = join(mnt, 'wal')
    const filler = join(mnt, 'filler')
    // Room for a few requests' records, not for the whole load.
    writeFileSync(filler, Buffer.alloc(63 * 2 ** 20 + 256 * 1024))
    c = await startCollector({
      dataDir,
      args: ['--wal-dir', walDir, '--batch-rows', '1000000', '--batch-delay', '60s'],
    })
    const acked: string[] = []
    let refusedSeen = 0
    const load = runLoad({
      ingestUrl: c.ingestUrl,
      grpcPort: c.ports.grpc,
      httpSpans: 20_000,
      grpcSpans: 0,
      logLines: 0,
      concurrency: { http: 4 },
      retryDelayMs: 50,
      onAckedTraces: (ids) => acked.push(...ids),
    })
    // Full: requests are refused. Then space returns.
    for (let i = 0; i < 200; i++) {
      const m = await (await fetch(`${c.ingestUrl}/metrics`)).text()
      refusedSeen = Number(/skein_wal_write_errors_total\{signal="spans"\} (\d+)/.exec(m)?.[1] ?? 0)
      if (refusedSeen >= 5) break
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(refusedSeen).toBeGreaterThanOrEqual(5)
    expect(c.output()).toMatch(/the write-ahead log's disk is full .*; \d+ spans refused with 503/)
    expect((await fetch(`${c.ingestUrl}/health`)).status).toBe(200)
    rmSync(filler)
    const result = await load
    expect(result.refused).toBeGreaterThan(0)
    expect(result.ackedSpans).toBe(20_000)

    // A clean stop inserts what the log holds.
    expect(await c.stop({ keepData: true })).toBe(0)
    c = undefined
    await withStore(dataDir, async (q) => {
      const odd = await q<{ TraceId: string }>(
        'SELECT TraceId, count() AS n FROM otel.otel_traces GROUP BY TraceId HAVING n != 10 LIMIT 5',
      )
      expect(odd).toEqual([])
      const [{ traces }] = await q<{ traces: string }>(
        'SELECT uniqExact(TraceId) AS traces FROM otel.otel_traces',
      )
      expect(Number(traces)).toBe(acked.length)
    })
  }, 120_000)
})
