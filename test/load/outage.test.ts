/**
 * Server mode through a storage outage: inserts are retried, then spooled on disk and acknowledged;
 * health turns unready while storage is down; a collector killed during the outage and restarted loses
 * nothing it acknowledged. The ClickHouse server here is an HTTP endpoint executing the SQL on chDB
 * (test/helpers/fake-clickhouse.ts): a real ClickHouse server cannot run on these machines.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { eventually, type RunningCollector, startCollector, tempDir } from '../helpers/collector.js'
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

describe('a storage outage in server mode', () => {
  it('spools and acknowledges, reports unready, and loses nothing acked across a kill -9', async () => {
    fake = await startFakeClickHouse(join(tempDir(), 'clickhouse'))
    const spoolDir = join(tempDir(), 'spool')
    const args = ['--clickhouse-url', fake.url, '--spool-dir', spoolDir]
    c = await startCollector({ args })

    expect(await send(c, 50, 'before')).toBe(200)
    expect(await countOf('before')).toBe(50)

    fake.down()
    for (let i = 0; i < 4; i++) expect(await send(c, 25, 'during')).toBe(200)
    const health = await fetch(`${c.ingestUrl}/health`)
    expect(health.status).toBe(503)
    expect((await fetch(`${c.apiUrl}/health`)).status).toBe(503)
    const spooled = readdirSync(join(spoolDir, 'spans')).filter((f) => f.endsWith('.batch'))
    expect(spooled.length).toBeGreaterThan(0)

    // Killed without a chance to flush anything, while storage is still down.
    await c.kill()
    fake.up()
    c = await startCollector({ args })
    await eventually(async () => (await countOf('during')) === 100, 20_000)
    expect(await countOf('during')).toBe(100)
    expect(await countOf('before')).toBe(50)
    await eventually(async () => (await fetch(`${c!.ingestUrl}/health`)).status === 200, 10_000)
    expect(readdirSync(join(spoolDir, 'spans')).filter((f) => f.endsWith('.batch'))).toEqual([])
  }, 120_000)
})
