/** GET /api/v1/spans/slow: the slowest spans first, filtered by service, operation and minimum duration. */
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

async function slow(params: string): Promise<any[]> {
  const { status, body } = await getJson(`${collector.apiUrl}/api/v1/spans/slow?${params}`)
  expect(status, JSON.stringify(body)).toBe(200)
  return body.spans
}
const durations = (spans: any[]) => spans.map((s) => s.durationMs)

describe('slow spans', () => {
  it('lists the spans of the last hour slowest first, ties newest first', async () => {
    const spans = await slow('')
    expect(durations(spans)).toEqual([1000, 800, 300, 250, 200, 100, 100, 60, 30, 5, 1])
    expect(spans[5].traceId).toBe(shop.search.traceId)
    expect(spans[6].traceId).toBe(shop.orders.traceId)
    const charge = shop.checkout.span('charge')
    expect(spans[1]).toEqual(
      expect.objectContaining({
        traceId: shop.checkout.traceId,
        spanId: charge.spanId,
        service: 'payments',
        name: 'charge',
        startNs: charge.startNs,
        durationMs: 800,
        statusCode: 'Error',
      }),
    )
  })

  it('keeps spans at least minDurationMs long', async () => {
    expect(durations(await slow('minDurationMs=250'))).toEqual([1000, 800, 300, 250])
    expect(durations(await slow('minDurationMs=250.000001'))).toEqual([1000, 800, 300])
  })

  it('filters by service and operation', async () => {
    expect(durations(await slow('service=orders'))).toEqual([250, 60, 1])
    expect(durations(await slow('service=gateway&operation=GET+/orders'))).toEqual([300, 100])
  })

  it('returns at most limit spans and searches the range asked for', async () => {
    expect(durations(await slow('limit=2'))).toEqual([1000, 800])
    expect(durations(await slow('lookback=4h&service=orders'))).toEqual([250, 60, 40, 1])
  })

  it('answers 400 naming a bad parameter', async () => {
    const { status, body } = await getJson(`${collector.apiUrl}/api/v1/spans/slow?minDurationMs=fast`)
    expect(status).toBe(400)
    expect(body.error.message).toContain('minDurationMs')
  })
})
