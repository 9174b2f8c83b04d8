/**
 * GET /api/v1/logs on lines sent by Loki push: service, minimum level, literal full-text q (`%`, `_` and
 * `\` mean themselves), trace id, newest first, limits, time range, and 400s naming the parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { patternTokens } from '../../src/query/logs.js'
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

async function logs(params: Record<string, string>): Promise<any[]> {
  const { status, body } = await getJson(`${collector.apiUrl}/api/v1/logs?${new URLSearchParams(params)}`)
  expect(status, JSON.stringify(body)).toBe(200)
  return body.logs
}
const bodies = (lines: any[]) => lines.map((l) => l.body)

describe('log search', () => {
  it('lists the last hour of lines, newest first, in the API shape', async () => {
    const lines = await logs({})
    expect(bodies(lines)).toEqual([
      'wrote C:\\temp\\out.txt',
      'progress 1000 doneXok',
      'progress 100% done_ok',
      'stock low for sku-9',
      'payment failed: card declined',
      'query SELECT * FROM orders',
      'order 42 loaded',
    ])
    expect(lines.at(-1)).toMatchObject({
      timestampNs: `${shop.base + 15}000000`,
      timestamp: new Date(shop.base + 15).toISOString(),
      service: 'orders',
      severityText: 'INFO',
      severityNumber: 9,
      traceId: shop.orders.traceId,
      spanId: shop.orders.span('GET /orders/:id').spanId,
    })
  })

  it('filters by service', async () => {
    expect(bodies(await logs({ service: 'orders' }))).toEqual([
      'stock low for sku-9',
      'payment failed: card declined',
      'order 42 loaded',
    ])
  })

  it('keeps lines at or above the minimum level', async () => {
    expect(bodies(await logs({ level: 'warn' }))).toEqual([
      'stock low for sku-9',
      'payment failed: card declined',
    ])
    expect(bodies(await logs({ level: 'ERROR' }))).toEqual(['payment failed: card declined'])
    expect(await logs({ level: 'debug' })).toHaveLength(7)
    expect(await logs({ level: 'info' })).toHaveLength(6)
  })

  it('matches q as a literal, case-sensitive substring', async () => {
    expect(bodies(await logs({ q: 'order 42' }))).toEqual(['order 42 loaded'])
    expect(bodies(await logs({ q: 'rder 4' }))).toEqual(['order 42 loaded'])
    expect(await logs({ q: 'ORDER 42' })).toEqual([])
    expect(bodies(await logs({ q: 'ORDER 42', ignoreCase: 'true' }))).toEqual(['order 42 loaded'])
  })

  it('takes % and _ in q literally, not as LIKE wildcards', async () => {
    expect(bodies(await logs({ q: '100%' }))).toEqual(['progress 100% done_ok'])
    expect(bodies(await logs({ q: 'done_ok' }))).toEqual(['progress 100% done_ok'])
    expect(await logs({ q: '%' })).toHaveLength(1)
    expect(await logs({ q: 'progress%done' })).toEqual([])
  })

  it('takes backslashes in q literally', async () => {
    expect(bodies(await logs({ q: 'C:\\temp\\' }))).toEqual(['wrote C:\\temp\\out.txt'])
    expect(await logs({ q: 'C:\\\\temp' })).toEqual([])
  })

  it('finds the lines of one trace', async () => {
    expect(bodies(await logs({ traceId: shop.orders.traceId }))).toEqual([
      'query SELECT * FROM orders',
      'order 42 loaded',
    ])
    expect(bodies(await logs({ traceId: shop.failedOrder.traceId.toUpperCase() }))).toEqual([
      'payment failed: card declined',
    ])
  })

  it('returns at most limit lines, the newest, and searches the range asked for', async () => {
    expect(bodies(await logs({ limit: '2' }))).toEqual(['wrote C:\\temp\\out.txt', 'progress 1000 doneXok'])
    expect(bodies(await logs({ lookback: '4h' })).at(-1)).toBe('an old line')
    const at = shop.base + 11 * 60_000
    expect(bodies(await logs({ start: String(at), end: String(at + 1) }))).toEqual(['stock low for sku-9'])
  })

  it.each([
    ['level=loud', 'level'],
    ['traceId=xyz', 'traceId'],
    ['ignoreCase=maybe', 'ignoreCase'],
    ['limit=-3', 'limit'],
    [`q=${'x'.repeat(1025)}`, 'q'],
  ])('answers 400 naming the parameter for %.30s', async (params, name) => {
    const { status, body } = await getJson(`${collector.apiUrl}/api/v1/logs?${params}`)
    expect(status).toBe(400)
    expect(body.error.code).toBe('SKEIN_ERR_BAD_PARAM')
    expect(body.error.message).toContain(name)
  })
})

describe('the tokens required of the lines of a pattern', () => {
  it("are the whole words of its literal stretches, the line's own edges counting as edges", () => {
    expect(patternTokens('order <*> loaded')).toEqual(['order', 'loaded'])
    expect(patternTokens('payment <*> declined for "<*>"')).toEqual(['payment', 'declined', 'for'])
    expect(patternTokens('healthcheck ok')).toEqual(['healthcheck', 'ok'])
  })

  it('leave out a word that a mask or the cut of a long line may continue', () => {
    expect(patternTokens('id=<*>x y')).toEqual(['id', 'y'])
    expect(patternTokens('<*>')).toEqual([])
    expect(patternTokens(`${'a b '.repeat(3)}tail…`)).toEqual(['a', 'b'])
  })
})
