/**
 * Server mode through a storage outage: requests are acknowledged once in the write-ahead log, which
 * grows while storage is down; health turns unready while it is; a collector killed during the outage and
 * restarted stores what it acknowledged exactly once (the segment inserted on recovery is not stored
 * again however often it is replayed). The ClickHouse server here is an HTTP endpoint executing the SQL on chDB
 * (test/helpers/fake-clickhouse.ts): a real ClickHouse server cannot run on these machines.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, type RunningCollector, startCollector, stored, tempDir } from '../helpers/collector.js'
import { type FakeClickHouse, startFakeClickHouse } from '../helpers/fake-clickhouse.js'

let fake: FakeClickHouse | undefined
let c: RunningCollector | undefined
afterAll(async () => {
  await c?.stop()
  await fake?.close()
})

function spans(n: number, tag: string) {
  const ns = BigInt(Date.now()) * 1_000_000n
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: tag } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: n }, (_, i) => ({
              traceId: Buffer.from(`${tag}-${i}`.padEnd(16, '.')).subarray(0, 16).toString('hex'),
              spanId: (i + 1).toString(16).padStart(16, '0'),
              name: 'op',
              kind: 2,
              startTimeUnixNano: `${ns}`,
              endTimeUnixNano: `${ns + 1000n}`,
            })),
          },
        ],
      },
    ],
  })
}

async function send(collector: RunningCollector, n: number, tag: string) {
  const r = await fetch(`${collector.ingestUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: spans(n, tag),
  })
  return r.status
}

const countOf = async (tag: string) =>
  Number(
    (
      await fake!.query<{ n: string }>(
        `SELECT count() AS n FROM otel.otel_traces WHERE ServiceName = '${tag}'`,
      )
    )[0].n,
  )

const segments = (dir: string) => readdirSync(join(dir, 'spans')).filter((f) => f.endsWith('.wal'))

describe('a storage outage in server mode', () => {
  it('acknowledges into the log, reports unready, and stores what it acked once across a kill -9', async () => {
    fake = await startFakeClickHouse(join(tempDir(), 'clickhouse'))
    const walDir = join(tempDir(), 'wal')
    const args = ['--clickhouse-url', fake.url, '--wal-dir', walDir, '--wal-max-bytes', '256KiB']
    c = await startCollector({ args })

    expect(await send(c, 50, 'before')).toBe(200)
    await stored(c.ingestUrl)
    expect(await countOf('before')).toBe(50)

    fake.down()
    for (let i = 0; i < 4; i++) expect(await send(c, 25, 'during')).toBe(200)
    // Unready once the insert stage has met the outage (after the writer's retries).
    await eventually(async () => (await fetch(`${c!.ingestUrl}/health`)).status === 503, 10_000)
    expect((await fetch(`${c.apiUrl}/health`)).status).toBe(503)
    expect(segments(walDir).length).toBeGreaterThan(0)
    const metrics = await (await fetch(`${c.ingestUrl}/metrics`)).text()
    expect(Number(/skein_wal_bytes\{signal="spans"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThan(0)
    // The log grows up to --wal-max-bytes; past it, 503 with Retry-After naming the bound.
    let acked = 0
    let full: Response | undefined
    for (let i = 0; i < 200 && !full; i++) {
      const r = await fetch(`${c.ingestUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: spans(25, 'filling'),
      })
      if (r.status === 200) acked += 25
      else full = r
    }
    expect(full?.status).toBe(503)
    expect(Number(full!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await full!.json()).error.message).toMatch(/--wal-max-bytes/)

    // Killed without a chance to flush anything, while storage is still down.
    await c.kill()
    fake.up()
    c = await startCollector({ args })
    await stored(c.ingestUrl)
    expect(await countOf('during')).toBe(100)
    expect(await countOf('before')).toBe(50)
    expect(await countOf('filling')).toBe(acked)
    expect((await fetch(`${c.ingestUrl}/health`)).status).toBe(200)
    expect(segments(walDir)).toEqual([])
  }, 120_000)
})
