/**
 * Issue 18.9, the server-mode spool's poison pill: the spool took every insert error for an outage,
 * the writer's "bad data" included. So one bad request was answered 200, spooled, replayed forever,
 * and kept /health unready until the spool filled. Now bad data goes back to the batcher, which isolates
 * it: that request gets its 400, the others batched with it are stored, and nothing is spooled.
 * ClickHouse here is test/helpers/fake-clickhouse.ts (SQL executed on chDB): no real server runs here.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector, tempDir } from '../helpers/collector.js'
import { type FakeClickHouse, startFakeClickHouse } from '../helpers/fake-clickhouse.js'
import { postJson, traceRequest } from '../helpers/telemetry.js'

let fake: FakeClickHouse | undefined
let c: RunningCollector | undefined
afterAll(async () => {
  await c?.stop()
  await fake?.close()
})

const DAY_NS = 86_400_000_000_000n

const countOf = async (service: string) =>
  Number(
    (
      await fake!.query<{ n: string }>(
        `SELECT count() AS n FROM otel.otel_traces WHERE ServiceName = '${service}'`,
      )
    )[0].n,
  )

const spooled = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.batch')) : [])

describe('a batch that storage refuses as bad data, in server mode', () => {
  it('is not spooled: its request gets a 400, the requests batched with it are stored, and health stays ready', async () => {
    fake = await startFakeClickHouse(join(tempDir(), 'clickhouse'))
    const spoolDir = join(tempDir(), 'spool')
    // A --max-future that lets 101 future days through, so that storage is the one to refuse them.
    c = await startCollector({
      args: ['--clickhouse-url', fake.url, '--spool-dir', spoolDir, '--max-future', '1000d'],
    })
    const now = BigInt(Date.now()) * 1_000_000n
    const url = `${c.ingestUrl}/v1/traces`
    const [bad, ...good] = await Promise.all([
      postJson(
        url,
        traceRequest(
          'poisoned',
          'f0'.repeat(16),
          Array.from({ length: 101 }, (_, d) => now + BigInt(d + 1) * DAY_NS),
        ),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        postJson(url, traceRequest('innocent', `${i + 1}`.padStart(32, 'b'), [now, now + 1n])),
      ),
    ])
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('SKEIN_ERR_STORAGE_REJECTED')
    expect(good.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    expect(await countOf('innocent')).toBe(10)
    expect(await countOf('poisoned')).toBe(0)
    expect(spooled(join(spoolDir, 'spans'))).toEqual([])
    expect((await fetch(`${c.ingestUrl}/health`)).status).toBe(200)
    // And ingest goes on as usual.
    expect((await postJson(url, traceRequest('after', 'c'.repeat(32), [now]))).status).toBe(200)
    expect(await countOf('after')).toBe(1)
  }, 120_000)
})
