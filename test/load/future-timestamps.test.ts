/**
 * Issue 18.4, future timestamps poison a batch: one request whose 101 spans fall on 101 different future
 * days made the engine refuse the whole insert ("Too many partitions for single INSERT block", code 252).
 * That code was classed as transient, so the batch was retried and never isolated, and the 20 innocent
 * requests batched with it got 503 on every retry. Now rows too far in the future are refused at ingest
 * (`--max-future`, OTLP partial success, Loki 400, counted as rejected), and when they get through (a
 * larger `--max-future`), the engine's refusal is bad data: the write-ahead log's insert stage splits the
 * insert until the engine takes each part, and no request waits on it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector, stored } from '../helpers/collector.js'
import { postJson, traceRequest } from '../helpers/telemetry.js'

const DAY_NS = 86_400_000_000_000n
const HOUR_NS = 3_600_000_000_000n
const nowNs = () => BigInt(Date.now()) * 1_000_000n

let c: RunningCollector | undefined
afterEach(async () => {
  await c?.stop()
  c = undefined
})

/** The poisoned request and 20 innocent ones, all at once, so that they share a batch. */
async function poisonAndInnocents(collector: RunningCollector, tag: string) {
  const now = nowNs()
  const poisoned = traceRequest(
    `${tag}-poisoned`,
    'f0'.repeat(16),
    Array.from({ length: 101 }, (_, d) => now + BigInt(d + 1) * DAY_NS),
  )
  const innocentIds = Array.from({ length: 20 }, (_, i) => (i + 1).toString(16).padStart(32, 'a'))
  const innocent = innocentIds.map((id) =>
    traceRequest(
      `${tag}-innocent`,
      id,
      Array.from({ length: 10 }, (_, k) => now + BigInt(k)),
    ),
  )
  const url = `${collector.ingestUrl}/v1/traces`
  const [bad, ...good] = await Promise.all([
    postJson(url, poisoned),
    ...innocent.map((b) => postJson(url, b)),
  ])
  return { bad, good, innocentIds }
}

async function storedTraces(collector: RunningCollector, service: string): Promise<number> {
  const r = await getJson(`${collector.apiUrl}/api/v1/traces?service=${service}&limit=100&lookback=1h`)
  return r.status === 200 ? r.body.traces.length : -1
}

describe('spans too far in the future', () => {
  it('are refused at ingest through partial success, and the requests batched with them are stored', async () => {
    c = await startCollector()
    const { bad, good } = await poisonAndInnocents(c, 'future')
    expect(good.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(good.every((r) => r.body.partialSuccess === undefined)).toBe(true)
    expect(bad.status).toBe(200)
    expect(bad.body.partialSuccess.rejectedSpans).toBe('101')
    expect(bad.body.partialSuccess.errorMessage).toMatch(/101 items more than 1h in the future/)
    expect(await eventually(async () => (await storedTraces(c!, 'future-innocent')) === 20)).toBe(true)
    expect(await storedTraces(c, 'future-poisoned')).toBe(0)
    const m = await (await fetch(`${c.ingestUrl}/metrics`)).text()
    expect(m).toMatch(/skein_rejected_items_total\{signal="spans",reason="future"\} 101/)
  }, 60_000)

  it('within --max-future are kept, up to the limit', async () => {
    c = await startCollector({ args: ['--max-future', '2h'] })
    const soon = traceRequest('soon', 'e0'.repeat(16), [nowNs() + HOUR_NS, nowNs() + 3n * HOUR_NS])
    const r = await postJson(`${c.ingestUrl}/v1/traces`, soon)
    expect(r.status).toBe(200)
    expect(r.body.partialSuccess.rejectedSpans).toBe('1')
    expect(r.body.partialSuccess.errorMessage).toMatch(/1 item more than 2h in the future/)
  }, 60_000)

  it('in a Loki push get a 400 naming them, and the push’s other lines are stored', async () => {
    c = await startCollector()
    const marker = `future-${Date.now()}`
    const r = await postJson(
      `${c.ingestUrl}/loki/api/v1/push`,
      JSON.stringify({
        streams: [
          {
            stream: { service_name: 'future' },
            values: [
              [`${nowNs()}`, `${marker} now`],
              [`${nowNs() + 2n * HOUR_NS}`, `${marker} in two hours`],
            ],
          },
        ],
      }),
    )
    expect(r.status).toBe(400)
    expect(r.body.error.message).toMatch(/1 of 2 entries are more than 1h in the future/)
    const logs = await eventually(async () => {
      const x = await getJson(`${c!.apiUrl}/api/v1/logs?service=future&q=${marker}`)
      return x.status === 200 && x.body.logs.length > 0 ? x.body.logs : undefined
    })
    expect(logs.map((l: { body: string }) => l.body)).toEqual([`${marker} now`])
    const m = await (await fetch(`${c.ingestUrl}/metrics`)).text()
    expect(m).toMatch(/skein_rejected_items_total\{signal="logs",reason="future"\} 1/)
  }, 60_000)
})

describe('a request the engine refuses for its partitions (101 days in one insert)', () => {
  it('is acknowledged, and stored with the 20 requests logged beside it by splitting the insert', async () => {
    // A --max-future that lets the 101 days through, so that the engine is the one to refuse them. The
    // request is durable in the write-ahead log once answered; the insert stage meets the engine's
    // refusal (bad data, not an outage), splits the segment until each insert spans fewer than 101 days,
    // and stores every row: nothing is refused, nothing retried forever, health stays ready.
    c = await startCollector({ args: ['--max-future', '1000d'] })
    const { bad, good } = await poisonAndInnocents(c, 'partitions')
    expect(good.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(bad.status).toBe(200)
    await stored(c.ingestUrl)
    expect(await storedTraces(c, 'partitions-innocent')).toBe(20)
    const m = await (await fetch(`${c.ingestUrl}/metrics`)).text()
    expect(m).toMatch(/skein_stored_items_total\{signal="spans"\} 301\n/)
    expect(m).not.toMatch(/skein_wal_rejected_rows_total\{/)
    expect((await fetch(`${c.ingestUrl}/health`)).status).toBe(200)
  }, 60_000)
})
