/**
 * GET /api/v1/dependencies: parent → child service edges from spans whose parent belongs to another
 * service, with call and error counts; calls within one service are not edges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { sendShop } from './shop-fixture.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
  await sendShop(collector.ingestUrl)
})
afterAll(async () => {
  await collector?.stop()
})

describe('service dependencies', () => {
  it('counts calls and errors per edge in the last hour, busiest first', async () => {
    const { status, body } = await getJson(`${collector.apiUrl}/api/v1/dependencies`)
    expect(status).toBe(200)
    expect(body.edges).toEqual([
      { parent: 'gateway', child: 'orders', callCount: 2, errorCount: 1, errorRate: 0.5 },
      { parent: 'gateway', child: 'payments', callCount: 1, errorCount: 1, errorRate: 1 },
      { parent: 'gateway', child: 'search', callCount: 1, errorCount: 0, errorRate: 0 },
      { parent: 'orders', child: 'db', callCount: 1, errorCount: 0, errorRate: 0 },
    ])
  })

  it('reads the time range asked for', async () => {
    const { body } = await getJson(`${collector.apiUrl}/api/v1/dependencies?lookback=4h`)
    expect(body.edges[0]).toEqual({
      parent: 'gateway',
      child: 'orders',
      callCount: 3,
      errorCount: 1,
      errorRate: 1 / 3,
    })
    const empty = await getJson(`${collector.apiUrl}/api/v1/dependencies?start=0&end=1000`)
    expect(empty.body.edges).toEqual([])
  })
})
