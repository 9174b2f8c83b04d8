/**
 * GET /api/v1/metrics/red: requests, errors and percentiles per step, with empty steps present (zero
 * requests, null percentiles), for a service or one of its operations.
 */
import { SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { traceSender } from '../../../test/helpers/telemetry.js'

let collector: RunningCollector
const MIN = 60_000
/** Minute-aligned: minute 0 has 3 spans (one error), minute 1 none, minute 2 three. */
const base = Math.floor((Date.now() - 30 * MIN) / MIN) * MIN

beforeAll(async () => {
  collector = await startCollector()
  const t = traceSender(collector.ingestUrl)
  t.trace(base + 1000, { service: 'api', name: 'GET /', at: 0, ms: 10 })
  t.trace(base + 2000, { service: 'api', name: 'GET /', at: 0, ms: 20, status: 'error' })
  t.trace(base + 3000, { service: 'api', name: 'GET /', at: 0, ms: 30 })
  t.trace(base + 2 * MIN, { service: 'api', name: 'GET /', at: 0, ms: 100 })
  t.trace(base + 2 * MIN + 59_000, { service: 'api', name: 'GET /', at: 0, ms: 200 })
  t.trace(base + 2 * MIN + 30_000, { service: 'api', name: 'GET /x', at: 0, ms: 50 })
  t.trace(base + 1000, { service: 'elsewhere', name: 'GET /', at: 0, ms: 1 })
  // Three requests to checkout, each a Server span with a Client call (failing in the first) and an
  // Internal step under it; a root job span; and a Consumer span under another service's Producer.
  for (let i = 0; i < 3; i++) {
    t.trace(base + 5000 + i * 1000, {
      service: 'checkout',
      name: 'POST /checkout',
      kind: SpanKind.SERVER,
      at: 0,
      ms: 100,
      children: [
        {
          service: 'checkout',
          name: 'POST /charge',
          kind: SpanKind.CLIENT,
          at: 10,
          ms: 50,
          status: i === 0 ? 'error' : 'unset',
        },
        { service: 'checkout', name: 'render', kind: SpanKind.INTERNAL, at: 70, ms: 5 },
      ],
    })
  }
  t.trace(base + 9000, { service: 'checkout', name: 'nightly cleanup', at: 0, ms: 20 })
  t.trace(base + 10_000, {
    service: 'orders',
    name: 'publish order.created',
    kind: SpanKind.PRODUCER,
    at: 0,
    ms: 2,
    children: [{ service: 'checkout', name: 'order.created', kind: SpanKind.CONSUMER, at: 5, ms: 30 }],
  })
  await t.flush()
  await t.shutdown()
})
afterAll(async () => {
  await collector?.stop()
})

async function red(params: string) {
  const { status, body } = await getJson(`${collector.apiUrl}/api/v1/metrics/red?${params}`)
  expect(status, JSON.stringify(body)).toBe(200)
  return body
}

describe('RED time series', () => {
  it('gives one point per minute by default, empty minutes included', async () => {
    const body = await red(`service=api&start=${base}&end=${base + 3 * MIN}`)
    expect(body.step).toBe('1m')
    expect(body.points.map((p: any) => p.t)).toEqual(
      [0, 1, 2].map((m) => new Date(base + m * MIN).toISOString()),
    )
    expect(body.points.map((p: any) => [p.requests, p.errors])).toEqual([
      [3, 1],
      [0, 0],
      [3, 0],
    ])
    expect(body.points[0]).toMatchObject({ errorRate: 1 / 3, p50Ms: 20 })
    expect(body.points[1]).toMatchObject({ errorRate: 0, p50Ms: null, p95Ms: null, p99Ms: null })
    expect(body.points[2].p50Ms).toBe(100)
    expect(body.points[2].p99Ms).toBeCloseTo(198, 6)
  })

  it('narrows to one operation', async () => {
    const body = await red(`service=api&operation=GET+/&start=${base}&end=${base + 3 * MIN}`)
    expect(body.points.map((p: any) => p.requests)).toEqual([3, 0, 2])
    expect(body.points[2].p50Ms).toBe(150)
  })

  it('buckets by a larger allowlisted step', async () => {
    const start = Math.floor(base / (5 * MIN)) * 5 * MIN
    const body = await red(`service=api&step=5m&start=${start}&end=${start + 10 * MIN}`)
    expect(body.step).toBe('5m')
    expect(body.points).toHaveLength(2)
    expect(body.points.reduce((n: number, p: any) => n + p.requests, 0)).toBe(6)
  })

  // Issue 18, item 8: every span was a request, so one call with a client call and an internal step
  // under it counted three times (and the client's failure as a failed request), unlike the alerts.
  it('counts only entry spans as requests (Server, Consumer, or roots), as the alerts do', async () => {
    const body = await red(`service=checkout&start=${base}&end=${base + MIN}`)
    expect(body.points.map((p: any) => [p.requests, p.errors])).toEqual([[5, 0]])
    // Durations are the entry spans' own: 100 ms ×3, 30 ms, 20 ms.
    expect(body.points[0].p50Ms).toBe(100)
  })

  it('counts no inner spans for an operation either', async () => {
    const body = await red(`service=checkout&operation=POST+/charge&start=${base}&end=${base + MIN}`)
    expect(body.points.map((p: any) => p.requests)).toEqual([0])
  })

  it.each([
    ['step=7m', 'step'],
    ['step=1m;DROP', 'step'],
    ['step=10s&lookback=7d', 'step'],
  ])('answers 400 naming the parameter for %s', async (params, name) => {
    const { status, body } = await getJson(`${collector.apiUrl}/api/v1/metrics/red?service=api&${params}`)
    expect(status).toBe(400)
    expect(body.error.message).toContain(name)
  })
})
