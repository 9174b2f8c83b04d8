/**
 * GET /api/v1/traces/{traceId}: every span in start order, the trace's log lines (and only its own),
 * also for a trace three hours old; 404 for an id no span has, 400 for a malformed one. With maxSpans, no
 * spans past it. The compact form (…/compact) and one span whole (…/spans/{spanId}) of the same traces.
 */
import {
  buildSpanTree,
  COMPACT_MEDIA_TYPE,
  compactSpanTree,
  decodeCompactTrace,
  type SpanTree,
} from '@skein/model'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  eventually,
  getJson,
  type RunningCollector,
  startCollector,
} from '../../../test/helpers/collector.js'
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

describe('a trace by id with maxSpans', () => {
  it('sends the trace and its span count when it has no more spans than that', async () => {
    const { status, body } = await getJson(
      `${collector.apiUrl}/api/v1/traces/${shop.orders.traceId}?maxSpans=4`,
    )
    expect(status).toBe(200)
    expect(body).toMatchObject({ truncated: false, spanCount: 4 })
    expect(body.spans).toHaveLength(4)
  })

  it('sends no spans and no logs past it, and says how many spans there are', async () => {
    const { status, body } = await getJson(
      `${collector.apiUrl}/api/v1/traces/${shop.orders.traceId}?maxSpans=3`,
    )
    expect(status).toBe(200)
    expect(body).toEqual({ traceId: shop.orders.traceId, truncated: true, spanCount: 4, spans: [], logs: [] })
  })

  it('refuses a maxSpans that is not a positive whole number', async () => {
    for (const bad of ['0', '-1', '2.5', 'all']) {
      const { status, body } = await getJson(
        `${collector.apiUrl}/api/v1/traces/${shop.orders.traceId}?maxSpans=${bad}`,
      )
      expect(status, bad).toBe(400)
      expect(body.error.message).toContain('maxSpans')
    }
  })
})

describe('a trace in compact form', () => {
  const compact = async (traceId: string) => {
    const res = await fetch(`${collector.apiUrl}/api/v1/traces/${traceId}/compact`)
    return { res, bytes: new Uint8Array(await res.arrayBuffer()) }
  }

  it('has what each row needs, and builds the same tree as the whole form', async () => {
    const { res, bytes } = await compact(shop.orders.traceId)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(COMPACT_MEDIA_TYPE)
    const t = decodeCompactTrace(bytes)
    expect(t.traceId).toBe(shop.orders.traceId)
    const tree = compactSpanTree(t)
    const whole = (await getJson(`${collector.apiUrl}/api/v1/traces/${shop.orders.traceId}`)).body
    expect(tree.spanCount).toBe(whole.spans.length)
    for (const s of whole.spans) {
      const row = tree.byId.get(s.spanId)!.span
      expect([
        row.parentSpanId,
        row.service,
        row.name,
        row.kind,
        row.statusCode,
        row.startNs,
        row.durationNs,
      ]).toEqual([s.parentSpanId, s.service, s.name, s.kind, s.statusCode, s.startNs, s.durationNs])
      expect(row.logCount).toBe(whole.logs.filter((l: any) => l.spanId === s.spanId).length)
    }
    expect(t.header.logCount).toBe(whole.logs.length)
  })

  it('keeps orphans, a repeated id and a span naming itself its parent as the whole form does', async () => {
    const traceId = 'b0'.repeat(16)
    const t0 = BigInt(Date.now() - 30_000) * 1_000_000n
    const sp = (spanId: string, parentSpanId: string, atMs: number, ms: number, name = 'op') => ({
      traceId,
      spanId,
      parentSpanId,
      name,
      kind: 3,
      startTimeUnixNano: String(t0 + BigInt(atMs * 1e6)),
      endTimeUnixNano: String(t0 + BigInt((atMs + ms) * 1e6)),
    })
    const spans = [
      sp('0000000000000001', '', 0, 100, 'root'),
      sp('0000000000000002', '0000000000000001', 5, 10),
      sp('0000000000000003', 'ffffffffffffffff', 20, 10, 'orphan'),
      sp('0000000000000004', '0000000000000003', 21, 5),
      sp('0000000000000002', '0000000000000001', 40, 10, 'repeated id'),
      sp('0000000000000005', '0000000000000005', 50, 0, 'own parent'),
    ]
    const res = await fetch(`${collector.ingestUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'broken' } }] },
            scopeSpans: [{ scope: { name: 't' }, spans }],
          },
        ],
      }),
    })
    expect(res.status).toBe(200)
    const whole = await eventually(async () => {
      const r = await getJson(`${collector.apiUrl}/api/v1/traces/${traceId}`)
      if (r.status !== 200 || r.body.spans.length !== spans.length) throw new Error('not stored yet')
      return r.body
    })
    const { bytes } = await compact(traceId)
    const t = decodeCompactTrace(bytes)
    expect(t.header.missingParents).toEqual({
      [whole.spans.findIndex((s: any) => s.name === 'orphan')]: 'ffffffffffffffff',
    })
    const shape = (tree: SpanTree<any>) =>
      [...tree.byId.values()]
        .map((n) => [n.id, n.parent?.id, n.depth, n.startNs, n.missingParent, n.span.name].join('|'))
        .sort()
    expect(shape(compactSpanTree(t))).toEqual(shape(buildSpanTree(whole.spans)))
  })

  it('answers 404 for an id that no span has, 400 for a malformed one, as JSON', async () => {
    const missing = await fetch(`${collector.apiUrl}/api/v1/traces/${'ab'.repeat(16)}/compact`)
    expect(missing.status).toBe(404)
    expect((await missing.json()).error.code).toBe('SKEIN_ERR_NOT_FOUND')
    const bad = await fetch(`${collector.apiUrl}/api/v1/traces/nothex/compact`)
    expect(bad.status).toBe(400)
  })
})

describe('one span of a trace', () => {
  it('is the whole span with its own log lines', async () => {
    const s = shop.orders.span('SELECT orders')
    const { status, body } = await getJson(
      `${collector.apiUrl}/api/v1/traces/${shop.orders.traceId}/spans/${s.spanId.toUpperCase()}`,
    )
    expect(status).toBe(200)
    expect(body.spans).toHaveLength(1)
    expect(body.spans[0]).toMatchObject({ spanId: s.spanId, name: 'SELECT orders', startNs: s.startNs })
    expect(body.logs.map((l: any) => l.body)).toEqual(['query SELECT * FROM orders'])
  })

  it('answers 404 for a span the trace does not have, 400 for a malformed id', async () => {
    const missing = await getJson(
      `${collector.apiUrl}/api/v1/traces/${shop.orders.traceId}/spans/${'0'.repeat(16)}`,
    )
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('SKEIN_ERR_NOT_FOUND')
    const bad = await getJson(`${collector.apiUrl}/api/v1/traces/${shop.orders.traceId}/spans/x'--`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('spanId')
  })
})
