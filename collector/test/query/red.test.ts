/**
 * GET /api/v1/metrics/red: requests, errors and percentiles per step, with empty steps present (zero
 * requests, null percentiles), for a service or one of its operations.
 */
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
