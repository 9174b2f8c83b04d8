/**
 * kill -9 during load, then a restart on the same data dir: every acknowledged span and log line is there.
 * (Acknowledgement comes after the insert, so a crash can only lose what was never acknowledged.)
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runLoad } from '../../bench/lib/load.js'
import { getJson, type RunningCollector, startCollector, tempDir } from '../helpers/collector.js'
import { withStore } from '../helpers/store.js'

let c: RunningCollector | undefined
afterAll(async () => {
  await c?.stop()
})

describe('a collector killed with SIGKILL under load', () => {
  it('has every acknowledged span and line after a restart on the same data dir', async () => {
    const dataDir = join(tempDir(), 'data')
    c = await startCollector({ dataDir })
    const ackedTraces: string[] = []
    const ackedPushes: number[] = []
    let killed = false
    const load = runLoad({
      ingestUrl: c.ingestUrl,
      grpcPort: c.ports.grpc,
      httpSpans: 2_000_000,
      grpcSpans: 2_000_000,
      logLines: 2_000_000,
      linesPerPush: 200,
      concurrency: { http: 4, grpc: 4, loki: 4 },
      onAckedTraces: (ids) => ackedTraces.push(...ids),
      onAckedPush: (req) => ackedPushes.push(req),
      stop: () => killed,
    })
    // Let the load run, then kill in the middle of it.
    while (ackedTraces.length < 2000 || ackedPushes.length < 20) await new Promise((r) => setTimeout(r, 100))
    await c.kill()
    killed = true
    const result = await load
    expect(result.ackedSpans).toBeGreaterThan(0)

    c = await startCollector({ dataDir })
    const health = await getJson(`${c.ingestUrl}/health`)
    expect(health.status).toBe(200)
    await c.stop({ keepData: true })
    c = undefined

    await withStore(dataDir, async (q) => {
      const traceCounts = await q<{ missing: string; short: string }>(
        `SELECT countIf(n = 0) AS missing, countIf(n > 0 AND n < 10) AS short FROM (
           SELECT t.TraceId, countIf(s.TraceId != '') AS n
           FROM (SELECT arrayJoin(splitByChar(',', '${ackedTraces.join(',')}')) AS TraceId) AS t
           LEFT JOIN (SELECT TraceId FROM otel.otel_traces) AS s ON s.TraceId = t.TraceId
           GROUP BY t.TraceId)`,
      )
      expect(ackedTraces.length).toBeGreaterThan(0)
      expect({ missing: Number(traceCounts[0].missing), short: Number(traceCounts[0].short) }).toEqual({
        missing: 0,
        short: 0,
      })
      const pushCounts = await q<{ req: string; n: string }>(
        `SELECT LogAttributes['req'] AS req, count() AS n FROM otel.otel_logs GROUP BY req`,
      )
      const stored = new Map(pushCounts.map((r) => [Number(r.req), Number(r.n)]))
      for (const req of ackedPushes) expect(stored.get(req), `push ${req}`).toBe(200)
    })
    console.log(
      `crash: ${ackedTraces.length * 10} spans and ${ackedPushes.length * 200} lines acknowledged before the kill, all found`,
    )
  }, 180_000)
})
