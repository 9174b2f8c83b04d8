/**
 * GET /api/v1/traces/{traceId}: every span in start order, the trace's log lines (and only its own),
 * also for a trace three hours old; 404 for an id no span has, 400 for a malformed one.
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

describe('a trace by id', () => {
  it('has its spans in start order and its own log lines', async () => {
    const { status, body } = await getJson(`${collector.apiUrl}/api/v1/traces/${shop.orders.traceId}`)
    expect(status).toBe(200)
    expect(body.spans.map((s: any) => [s.name, s.startNs, s.durationMs])).toEqual(
      ['GET /orders', 'GET /orders/:id', 'SELECT orders', 'serialize'].map((n) => {
        const s = shop.orders.span(n)
        return [n, s.startNs, s.spec.ms]
      }),
    )
    expect(body.spans[1].parentSpanId).toBe(shop.orders.span('GET /orders').spanId)
    expect(body.logs.map((l: any) => [l.body, l.spanId])).toEqual([
      ['order 42 loaded', shop.orders.span('GET /orders/:id').spanId],
      ['query SELECT * FROM orders', shop.orders.span('SELECT orders').spanId],
    ])
  })

  it('is found however old it is (its own time bounds, not a window around now)', async () => {
    const { status, body } = await getJson(`${collector.apiUrl}/api/v1/traces/${shop.old.traceId}`)
    expect(status).toBe(200)
    expect(body.spans).toHaveLength(2)
  })

  it('answers 404 for an id that no span has, 400 for a malformed one', async () => {
    const missing = await getJson(`${collector.apiUrl}/api/v1/traces/${'ab'.repeat(16)}`)
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('SKEIN_ERR_NOT_FOUND')
    const bad = await getJson(`${collector.apiUrl}/api/v1/traces/${encodeURIComponent("x' OR 1=1")}`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('traceId')
  })
})
