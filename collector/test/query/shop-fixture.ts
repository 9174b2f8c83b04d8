/**
 * A small shop's traces and logs, sent through the real ingestion path (OTLP/HTTP protobuf exporter,
 * Loki push), with times and durations the query tests can check answers against. All within the last
 * hour except `old`, three hours back. Trace durations: orders 100 ms, failedOrder 300 ms, health 5 ms,
 * checkout 1000 ms, search 500 ms (its root lasts 100 ms; an async child ends 400 ms later), old 50 ms.
 */
import { SpanKind } from '@opentelemetry/api'
import { nsAt, pushLogs, type SentTrace, traceSender } from '../../../test/helpers/telemetry.js'

const { SERVER, CLIENT, INTERNAL } = SpanKind

export interface Shop {
  /** Minute-aligned time of the first trace. */
  base: number
  orders: SentTrace
  failedOrder: SentTrace
  health: SentTrace
  checkout: SentTrace
  search: SentTrace
  old: SentTrace
}

export async function sendShop(ingestUrl: string): Promise<Shop> {
  const base = Math.floor((Date.now() - 50 * 60_000) / 60_000) * 60_000
  const min = 60_000
  const t = traceSender(ingestUrl, { resource: { 'deployment.environment': 'test' } })
  const route = { 'http.route': '/orders/:id' }
  const shop: Shop = {
    base,
    orders: t.trace(base, {
      service: 'gateway',
      name: 'GET /orders',
      kind: SERVER,
      at: 0,
      ms: 100,
      children: [
        {
          service: 'orders',
          name: 'GET /orders/:id',
          kind: SERVER,
          at: 10,
          ms: 60,
          attributes: route,
          children: [
            { service: 'db', name: 'SELECT orders', kind: CLIENT, at: 20, ms: 30 },
            { service: 'orders', name: 'serialize', kind: INTERNAL, at: 69, ms: 1 },
          ],
        },
      ],
    }),
    failedOrder: t.trace(base + 10 * min, {
      service: 'gateway',
      name: 'GET /orders',
      kind: SERVER,
      at: 0,
      ms: 300,
      children: [
        {
          service: 'orders',
          name: 'GET /orders/:id',
          kind: SERVER,
          at: 5,
          ms: 250,
          status: 'error',
          statusMessage: 'boom',
          attributes: { ...route, tenant: 'acme' },
        },
      ],
    }),
    health: t.trace(base + 20 * min, {
      service: 'gateway',
      name: 'GET /health',
      kind: SERVER,
      at: 0,
      ms: 5,
      status: 'ok',
    }),
    checkout: t.trace(base + 30 * min, {
      service: 'gateway',
      name: 'POST /checkout',
      kind: SERVER,
      at: 0,
      ms: 1000,
      children: [{ service: 'payments', name: 'charge', kind: SERVER, at: 100, ms: 800, status: 'error' }],
    }),
    search: t.trace(base + 40 * min, {
      service: 'gateway',
      name: 'GET /search',
      kind: SERVER,
      at: 0,
      ms: 100,
      children: [{ service: 'search', name: 'query', kind: SERVER, at: 300, ms: 200 }],
    }),
    old: t.trace(Date.now() - 3 * 60 * min, {
      service: 'gateway',
      name: 'GET /orders',
      kind: SERVER,
      at: 0,
      ms: 50,
      children: [
        { service: 'orders', name: 'GET /orders/:id', kind: SERVER, at: 1, ms: 40, attributes: route },
      ],
    }),
  }
  await t.flush()
  await t.shutdown()

  const o = shop.orders
  await pushLogs(ingestUrl, [
    {
      service: 'orders',
      tsNs: nsAt(base + 15),
      level: 'info',
      msg: 'order 42 loaded',
      traceId: o.traceId,
      spanId: o.span('GET /orders/:id').spanId,
    },
    {
      service: 'db',
      tsNs: nsAt(base + 25),
      level: 'debug',
      msg: 'query SELECT * FROM orders',
      traceId: o.traceId,
      spanId: o.span('SELECT orders').spanId,
    },
    {
      service: 'orders',
      tsNs: nsAt(base + 10 * min + 100),
      level: 'error',
      msg: 'payment failed: card declined',
      traceId: shop.failedOrder.traceId,
      spanId: shop.failedOrder.span('GET /orders/:id').spanId,
    },
    { service: 'orders', tsNs: nsAt(base + 11 * min), level: 'warn', msg: 'stock low for sku-9' },
    { service: 'gateway', tsNs: nsAt(base + 12 * min), level: 'info', msg: 'progress 100% done_ok' },
    { service: 'gateway', tsNs: nsAt(base + 13 * min), level: 'info', msg: 'progress 1000 doneXok' },
    { service: 'gateway', tsNs: nsAt(base + 14 * min), level: 'info', msg: 'wrote C:\\temp\\out.txt' },
    { service: 'gateway', tsNs: nsAt(Date.now() - 3 * 60 * min), level: 'info', msg: 'an old line' },
  ])
  return shop
}
