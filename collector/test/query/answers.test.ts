/**
 * Every answer of the query port is what its route declares in @skein/model, field for field: a real
 * collector with the shop's telemetry, each route asked once, each answer checked against its answer
 * schema made strict (no field that the schema does not list; attribute maps stay open). The type-check
 * holds handlers to the schemas; this holds what really comes out of ClickHouse and JSON.stringify to
 * them (a count that arrives as a string, a field added to a handler but not to the model).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeCompactTrace, ROUTES, type RouteName } from '@skein/model'
import { Compile } from 'typebox/compile'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { type Shop, sendShop } from './shop-fixture.js'

let collector: RunningCollector
let shop: Shop
let hooks: Server
let hookUrl: string

beforeAll(async () => {
  hooks = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', resolve))
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`
  collector = await startCollector({ args: ['--alert-interval', '300ms', '--alert-allow-private-webhooks'] })
  shop = await sendShop(collector.ingestUrl)
})
afterAll(async () => {
  await collector?.stop()
  hooks?.close()
})

/** `schema` with every object that lists its properties closed to others (maps keep theirs open). */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict)
  if (typeof schema !== 'object' || schema === null) return schema
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(schema)) out[k] = strict(v)
  if (out.type === 'object' && out.properties) out.additionalProperties = false
  return out
}

const checked = new Set<string>()

async function expectAnswer(name: RouteName, path: string, init: RequestInit = {}): Promise<any> {
  const route = ROUTES[name]
  const res = await fetch(`${collector.apiUrl}${path}`, {
    method: route.method,
    ...init,
    headers: init.body ? { 'content-type': 'application/json' } : {},
  })
  const [status, schema] = Object.entries(route.response)[0]
  expect(res.status, `${route.method} ${path}`).toBe(Number(status))
  // An answer that is not JSON (the compact form of a trace) is of its declared type; its decoder checks it.
  if ('produces' in route && route.produces) {
    expect(res.headers.get('content-type')).toBe(route.produces)
    checked.add(name)
    return new Uint8Array(await res.arrayBuffer())
  }
  const body = res.status === 204 ? null : await res.json()
  const check = Compile(strict(JSON.parse(JSON.stringify(schema))) as any)
  const errors = [...check.Errors(body)].map((e: any) => `${e.instancePath || '/'} ${e.message}`)
  expect(errors, `${route.method} ${path}`).toEqual([])
  checked.add(name)
  return body
}

describe('answers of the query API', () => {
  it('are what the model declares, on every read route', async () => {
    await expectAnswer('health', '/health')
    expect(
      (await expectAnswer('listServices', '/api/v1/services?lookback=4h')).services.length,
    ).toBeGreaterThan(0)
    expect(
      (await expectAnswer('listOperations', '/api/v1/services/gateway/operations?lookback=4h')).operations
        .length,
    ).toBeGreaterThan(0)
    expect((await expectAnswer('searchTraces', '/api/v1/traces?lookback=4h')).traces.length).toBeGreaterThan(
      0,
    )
    const trace = await expectAnswer('getTrace', `/api/v1/traces/${shop.orders.traceId}`)
    expect(trace.spans.length).toBeGreaterThan(0)
    expect(trace.logs.length).toBeGreaterThan(0)
    const counted = await expectAnswer('getTrace', `/api/v1/traces/${shop.orders.traceId}?maxSpans=1`)
    expect(counted.spanCount).toBe(trace.spans.length)
    const compact = await expectAnswer('getTraceCompact', `/api/v1/traces/${shop.orders.traceId}/compact`)
    expect(decodeCompactTrace(compact).spanCount).toBe(trace.spans.length)
    const one = await expectAnswer(
      'getTraceSpan',
      `/api/v1/traces/${shop.orders.traceId}/spans/${trace.spans[1].spanId}`,
    )
    expect(one.spans).toEqual([trace.spans[1]])
    expect((await expectAnswer('searchLogs', '/api/v1/logs?lookback=4h')).logs.length).toBeGreaterThan(0)
    expect((await expectAnswer('logVolume', '/api/v1/logs/volume?lookback=4h')).total).toBeGreaterThan(0)
    expect(
      (await expectAnswer('logPatterns', '/api/v1/logs/patterns?lookback=4h')).patterns.length,
    ).toBeGreaterThan(0)
    expect((await expectAnswer('slowSpans', '/api/v1/spans/slow?lookback=4h')).spans.length).toBeGreaterThan(
      0,
    )
    expect(
      (await expectAnswer('operationLatency', '/api/v1/operations/latency?lookback=4h')).operations.length,
    ).toBeGreaterThan(0)
    // Empty buckets carry null percentiles, filled ones numbers: both are in a 1h series of 1m steps.
    const red = await expectAnswer('redSeries', '/api/v1/metrics/red?service=gateway&lookback=1h')
    expect(red.points.some((p: any) => p.p95Ms === null)).toBe(true)
    expect(red.points.some((p: any) => typeof p.p95Ms === 'number')).toBe(true)
    expect(
      (await expectAnswer('dependencies', '/api/v1/dependencies?lookback=4h')).edges.length,
    ).toBeGreaterThan(0)
    const compared = await expectAnswer(
      'compare',
      '/api/v1/compare?service=gateway&minDurationMs=200&lookback=4h&baseline=all',
    )
    expect(compared.selection.count).toBeGreaterThan(0)
    const diff = await expectAnswer(
      'diffTraces',
      `/api/v1/traces/${shop.orders.traceId}/diff/${shop.failedOrder.traceId}`,
    )
    expect(diff.spans.length).toBeGreaterThan(0)
    await expectAnswer('openapi', '/api/v1/openapi.json')
  })

  it('are what the model declares, on every alert route', async () => {
    const body = (rule: object) => ({ body: JSON.stringify(rule) })
    const rule = await expectAnswer(
      'createAlertRule',
      '/api/v1/alerts/rules',
      body({
        id: 'gw',
        name: 'gateway latency',
        service: 'gateway',
        p95AboveMs: 1,
        window: '1h',
        minRequests: 1,
        for: '0s',
        webhookUrl: hookUrl,
      }),
    )
    expect(rule.state).toBe('ok')
    expect((await expectAnswer('listAlertRules', '/api/v1/alerts/rules')).rules).toHaveLength(1)
    await expectAnswer('getAlertRule', '/api/v1/alerts/rules/gw')
    await expectAnswer('updateAlertRule', '/api/v1/alerts/rules/gw', body({ name: 'gateway is slow' }))
    // The shop's gateway requests of the last hour take 5 ms to 1 s: the rule fires and notifies.
    const fired = await eventually(async () => {
      const { events } = await expectAnswer('alertEvents', '/api/v1/alerts/events?ruleId=gw')
      const firing = events.find((e: any) => e.kind === 'firing' && e.notification?.status === 'sent')
      if (!firing) throw new Error(`no notified firing event yet: ${JSON.stringify(events)}`)
      return firing
    })
    expect(fired.notification.httpStatus).toBe(200)
    await expectAnswer('silenceAlertRule', '/api/v1/alerts/rules/gw/silence', body({ for: '1h' }))
    await expectAnswer('unsilenceAlertRule', '/api/v1/alerts/rules/gw/silence')
    await expectAnswer('deleteAlertRule', '/api/v1/alerts/rules/gw')
  })

  it('covered every route of the table', () => {
    expect([...checked].sort()).toEqual(Object.keys(ROUTES).sort())
  })
})
