/**
 * GET /api/v1/traces on a shop's traces sent with the OTLP exporter: span filters (service, operation,
 * status, attributes) pick traces, duration bounds apply to the whole trace, newest first, limits, time
 * ranges, and a 400 naming each bad parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { type Shop, sendShop } from './shop-fixture.js'

let collector: RunningCollector
let shop: Shop

beforeAll(async () => {
  collector = await startCollector()
  shop = await sendShop(collector.ingestUrl)
})
afterAll(async () => {
  await collector?.stop()
})

async function search(params: string): Promise<any[]> {
  const { status, body } = await getJson(`${collector.apiUrl}/api/v1/traces?${params}`)
  expect(status, JSON.stringify(body)).toBe(200)
  return body.traces
}
const ids = (traces: any[]) => traces.map((t) => t.traceId)

describe('trace search', () => {
  it('lists the traces of the last hour, newest first, with their summary', async () => {
    const traces = await search('')
    expect(ids(traces)).toEqual(
      [shop.search, shop.checkout, shop.health, shop.failedOrder, shop.orders].map((t) => t.traceId),
    )
    const orders = traces.find((t) => t.traceId === shop.orders.traceId)
    expect(orders).toMatchObject({
      rootService: 'gateway',
      rootName: 'GET /orders',
      startNs: shop.orders.spans[0].startNs,
      start: new Date(shop.base).toISOString(),
      durationMs: 100,
      spanCount: 4,
      errorCount: 0,
      services: ['db', 'gateway', 'orders'],
    })
  })

  it('finds traces by a service that is not the root, and still names the root', async () => {
    const [t, ...rest] = await search('service=payments')
    expect(rest).toEqual([])
    expect(t).toMatchObject({
      traceId: shop.checkout.traceId,
      rootService: 'gateway',
      rootName: 'POST /checkout',
      errorCount: 1,
    })
  })

  it('finds traces by operation, and by service and operation on the same span', async () => {
    expect(ids(await search('operation=GET+/orders/:id'))).toEqual([
      shop.failedOrder.traceId,
      shop.orders.traceId,
    ])
    expect(ids(await search('service=orders&operation=GET+/orders/:id'))).toEqual([
      shop.failedOrder.traceId,
      shop.orders.traceId,
    ])
    expect(await search('service=gateway&operation=GET+/orders/:id')).toEqual([])
  })

  it('applies duration bounds to the whole trace, not to any one span', async () => {
    // search: root 100 ms, async child ends at 500 ms; no span is 400 ms long.
    expect(ids(await search('minDurationMs=400'))).toEqual([shop.search.traceId, shop.checkout.traceId])
    expect(ids(await search('maxDurationMs=150'))).toEqual([shop.health.traceId, shop.orders.traceId])
    expect(ids(await search('minDurationMs=100&maxDurationMs=300'))).toEqual([
      shop.failedOrder.traceId,
      shop.orders.traceId,
    ])
    const [search500] = await search('minDurationMs=499.9&maxDurationMs=500.1')
    expect(search500).toMatchObject({
      traceId: shop.search.traceId,
      durationMs: 500,
      durationNs: '500000000',
    })
  })

  it('filters by span status', async () => {
    expect(ids(await search('status=error'))).toEqual([shop.checkout.traceId, shop.failedOrder.traceId])
    expect(ids(await search('status=ok'))).toEqual([shop.health.traceId])
    expect(ids(await search('status=error&service=orders'))).toEqual([shop.failedOrder.traceId])
  })

  it('filters by span attributes and resource attributes, every attr on the same span', async () => {
    expect(ids(await search('attr=tenant=acme'))).toEqual([shop.failedOrder.traceId])
    expect(ids(await search('attr=service.name=search'))).toEqual([shop.search.traceId])
    expect(
      ids(await search(`attr=${encodeURIComponent('http.route=/orders/:id')}&attr=tenant=acme`)),
    ).toEqual([shop.failedOrder.traceId])
    expect(await search('attr=tenant=globex')).toEqual([])
  })

  it('does not take a missing attribute for an empty one', async () => {
    expect(await search('attr=tenant=')).toEqual([])
  })

  it('returns at most limit traces, the newest', async () => {
    expect(ids(await search('limit=2'))).toEqual([shop.search.traceId, shop.checkout.traceId])
  })

  it('searches the time range asked for', async () => {
    expect(ids(await search('lookback=4h')).at(-1)).toBe(shop.old.traceId)
    const at = shop.base + 20 * 60_000
    expect(ids(await search(`start=${at - 1000}&end=${at + 1000}`))).toEqual([shop.health.traceId])
    expect(
      ids(
        await search(`start=${new Date(at - 1000).toISOString()}&end=${new Date(at + 1000).toISOString()}`),
      ),
    ).toEqual([shop.health.traceId])
  })

  it.each([
    ['minDurationMs=abc', 'minDurationMs'],
    ['maxDurationMs=-1', 'maxDurationMs'],
    ['minDurationMs=10&maxDurationMs=5', 'maxDurationMs'],
    ['status=broken', 'status'],
    ['attr=novalue', 'attr'],
    ['attr==x', 'attr'],
    ['limit=0', 'limit'],
    ['limit=ten', 'limit'],
    ['lookback=forever', 'lookback'],
    ['start=yesterday', 'start'],
  ])('answers 400 naming the parameter for %s', async (params, name) => {
    const { status, body } = await getJson(`${collector.apiUrl}/api/v1/traces?${params}`)
    expect(status).toBe(400)
    expect(body.error.code).toBe('SKEIN_ERR_BAD_PARAM')
    expect(body.error.message).toContain(name)
  })
})
