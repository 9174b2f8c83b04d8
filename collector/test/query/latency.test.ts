/**
 * GET /api/v1/operations/latency on a known distribution: 100 spans of one operation lasting
 * (i² / 10) ms for i = 1..100, every tenth an error. Its median (255.05 ms) is far from its mean
 * (338.35 ms), so a mean or a wrong quantile level would show.
 */
import { SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { traceSender } from '../../../test/helpers/telemetry.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
  const t = traceSender(collector.ingestUrl)
  const base = Date.now() - 40 * 60_000
  for (let i = 1; i <= 100; i++) {
    t.trace(base + i * 1000, {
      service: 'lat',
      name: 'work',
      kind: SpanKind.SERVER,
      at: 0,
      ms: (i * i) / 10,
      status: i % 10 === 0 ? 'error' : 'unset',
    })
  }
  for (let i = 0; i < 4; i++)
    t.trace(base + i * 1000, { service: 'lat', name: 'fail', at: 0, ms: 5, status: 'error' })
  for (let i = 0; i < 3; i++) t.trace(base + i * 1000, { service: 'other', name: 'work', at: 0, ms: 7 })
  await t.flush()
  await t.shutdown()
})
afterAll(async () => {
  await collector?.stop()
})

async function latency(params = ''): Promise<any[]> {
  const { status, body } = await getJson(`${collector.apiUrl}/api/v1/operations/latency?${params}`)
  expect(status, JSON.stringify(body)).toBe(200)
  return body.operations
}

describe('per-operation latency', () => {
  it('gives count, errors, error rate and p50/p95/p99 of each operation', async () => {
    const [work] = await latency('service=lat')
    expect(work).toMatchObject({ service: 'lat', name: 'work', count: 100, errorCount: 10, errorRate: 0.1 })
    // ClickHouse interpolates between neighbouring values: p95 sits at position 0.95 × 99 = 94.05.
    expect(work.p50Ms).toBeCloseTo(255.05, 3)
    expect(work.p95Ms).toBeCloseTo(903.455, 3)
    expect(work.p99Ms).toBeCloseTo(980.299, 3)
  })

  it('lists every service by default, busiest first, and one service when asked', async () => {
    expect((await latency()).map((o) => `${o.service}/${o.name}`)).toEqual([
      'lat/work',
      'lat/fail',
      'other/work',
    ])
    expect((await latency('service=other')).map((o) => `${o.service}/${o.name}`)).toEqual(['other/work'])
    expect(await latency('service=nobody')).toEqual([])
  })

  it('sorts by an allowlisted key', async () => {
    const byErrorRate = await latency('sort=errorRate')
    expect(byErrorRate[0]).toMatchObject({ name: 'fail', errorRate: 1, count: 4 })
    expect((await latency('sort=p99')).map((o) => o.p99Ms)).toEqual([expect.closeTo(980.299, 3), 7, 5])
  })

  it('answers 400 naming sort for a key outside the allowlist', async () => {
    const { status, body } = await getJson(
      `${collector.apiUrl}/api/v1/operations/latency?sort=${encodeURIComponent('count; DROP TABLE x')}`,
    )
    expect(status).toBe(400)
    expect(body.error.message).toContain('sort')
  })
})
