/**
 * Loki push with bad input: a Loki-style 400 naming the problem, nothing stored from the refused request,
 * and long lines truncated and marked rather than dropped. Backpressure answers 503 + Retry-After.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  eventually,
  getJson,
  type RunningCollector,
  startCollector,
  stored as storedAll,
} from '../helpers/collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector({ args: ['--max-line-bytes', '1KiB', '--max-body-bytes', '1MiB'] })
})
afterAll(async () => {
  await collector?.stop()
})

const ns = () => `${BigInt(Date.now()) * 1_000_000n}`

async function push(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${collector.ingestUrl}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

describe('Loki push', () => {
  it('refuses bad JSON with 400', async () => {
    const r = await push('{"streams": [')
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('SKEIN_ERR_BAD_JSON')
  })

  it('refuses a numeric timestamp with 400 saying timestamps are strings', async () => {
    const r = await push({
      streams: [{ stream: { service_name: 'x' }, values: [[Date.now() * 1e6, 'hello']] }],
    })
    expect(r.status).toBe(400)
    expect(r.body.error.message).toMatch(/timestamp/i)
  })

  it('refuses an invalid label name with a Loki-style 400', async () => {
    const r = await push({ streams: [{ stream: { 'bad-label!': 'x' }, values: [[ns(), 'hello']] }] })
    expect(r.status).toBe(400)
    expect(r.body.error.message).toMatch(/label/i)
    expect(r.body.error.message).toContain('bad-label!')
  })

  it('refuses a body over the limit with 413', async () => {
    const line = 'x'.repeat(900)
    const values = Array.from({ length: 2000 }, () => [ns(), line])
    const r = await push({ streams: [{ stream: { service_name: 'big' }, values }] })
    expect(r.status).toBe(413)
  })

  it('truncates a line over --max-line-bytes and marks it, never dropping it', async () => {
    const traceId = 'c'.repeat(32)
    const line = JSON.stringify({ level: 30, msg: 'y'.repeat(5000), trace_id: traceId })
    const r = await push({ streams: [{ stream: { service_name: 'long-lines' }, values: [[ns(), line]] }] })
    expect(r.status).toBe(204)
    const found = await eventually(async () => {
      const x = await getJson(`${collector.apiUrl}/api/v1/logs?service=long-lines&lookback=15m`)
      return x.status === 200 && x.body.logs.length === 1 ? x.body.logs[0] : undefined
    })
    expect(Buffer.byteLength(found.body)).toBeLessThanOrEqual(1024)
    expect(found.attributes['skein.truncated']).toBe('true')
  })

  it('stores nothing of a request it refused', async () => {
    const r = await push({
      streams: [
        { stream: { service_name: 'half-bad' }, values: [[ns(), 'good line']] },
        { stream: { service_name: 'half-bad' }, values: [[12345, 'bad line']] },
      ],
    })
    expect(r.status).toBe(400)
    await new Promise((res) => setTimeout(res, 300))
    const x = await getJson(`${collector.apiUrl}/api/v1/logs?service=half-bad&lookback=15m`)
    expect(x.body.logs).toEqual([])
  })
})

describe('backpressure', () => {
  it('answers 503 with Retry-After once the queue bound is reached, and nothing acked is lost', async () => {
    const c = await startCollector({ args: ['--max-queue-rows', '5'] })
    try {
      // Twenty pushes of five lines at once against a bound of five rows waiting for their log write: the
      // first is taken, and the others arrive while its write and fsync run.
      const push = (n: number) =>
        fetch(`${c.ingestUrl}/loki/api/v1/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            streams: [
              {
                stream: { service_name: 'bp' },
                values: Array.from({ length: 5 }, (_, i) => [ns(), `push ${n} line ${i}`]),
              },
            ],
          }),
        })
      const responses = await Promise.all(Array.from({ length: 20 }, (_, n) => push(n)))
      const refused = responses.filter((r) => r.status === 503)
      const stored = responses.filter((r) => r.status === 204)
      expect(refused.length).toBeGreaterThan(0)
      expect(stored.length).toBeGreaterThan(0)
      expect(refused.length + stored.length).toBe(20)
      expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThan(0)
      expect((await refused[0].json()).error.code).toBe('SKEIN_ERR_BACKPRESSURE')
      await storedAll(c.ingestUrl)
      const metrics = await (await fetch(`${c.ingestUrl}/metrics`)).text()
      expect(metrics).toContain(`skein_stored_items_total{signal="logs"} ${stored.length * 5}`)
      expect(metrics).toContain(`skein_refused_items_total{signal="logs"} ${refused.length * 5}`)
    } finally {
      await c.stop()
    }
  })
})
