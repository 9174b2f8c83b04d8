/** GET /api/v1/services/{service}/operations: a service's span names and kinds in the range. */
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

const operations = async (service: string, params = '') => {
  const { status, body } = await getJson(
    `${collector.apiUrl}/api/v1/services/${encodeURIComponent(service)}/operations?${params}`,
  )
  expect(status, JSON.stringify(body)).toBe(200)
  return body.operations.map((o: any) => ({ name: o.name, spanKind: o.spanKind }))
}

describe('operations of a service', () => {
  it('lists the span names and kinds of one service, by name', async () => {
    expect(await operations('gateway')).toEqual([
      { name: 'GET /health', spanKind: 'Server' },
      { name: 'GET /orders', spanKind: 'Server' },
      { name: 'GET /search', spanKind: 'Server' },
      { name: 'POST /checkout', spanKind: 'Server' },
    ])
    expect(await operations('orders')).toEqual([
      { name: 'GET /orders/:id', spanKind: 'Server' },
      { name: 'serialize', spanKind: 'Internal' },
    ])
  })

  it('is empty for an unknown service or a range without spans', async () => {
    expect(await operations('nobody')).toEqual([])
    expect(await operations('gateway', 'start=0&end=1000')).toEqual([])
  })
})
