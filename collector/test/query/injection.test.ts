/**
 * Hostile text in every place a request can carry it — service names, operation names, attribute keys
 * and values, log search text — is matched literally: the service that bears such a name is found,
 * near misses find nothing, nothing errors, and the tables keep every row.
 */
import { SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { nsAt, pushLogs, type SentTrace, traceSender } from '../../../test/helpers/telemetry.js'

const HOSTILE = [
  "o'brien",
  'back\\slash',
  "end\\'",
  '{x:String}',
  '{p0:String}',
  "x'; DROP TABLE otel.otel_traces; --",
  '"); DROP TABLE otel_logs; --',
  '100%',
  'a_b',
  '`tick`',
  'tab\there',
  'uni ☃ 𝄞',
]

let collector: RunningCollector
const sent = new Map<string, SentTrace>()

beforeAll(async () => {
  collector = await startCollector()
  const t = traceSender(collector.ingestUrl)
  const base = Date.now() - 20 * 60_000
  HOSTILE.forEach((h, i) => {
    sent.set(
      h,
      t.trace(base + i * 1000, {
        service: h,
        name: h,
        kind: SpanKind.SERVER,
        at: 0,
        ms: 10 + i,
        attributes: { [h]: h },
      }),
    )
  })
  // Plain neighbours that a wildcard or a broken escape would match.
  t.trace(base, { service: 'obrien', name: 'abb', at: 0, ms: 1, attributes: { a1b: '1000' } })
  t.trace(base, { service: 'backslash', name: '1000', at: 0, ms: 1 })
  await t.flush()
  await t.shutdown()
  await pushLogs(
    collector.ingestUrl,
    HOSTILE.map((h, i) => ({ service: h, tsNs: nsAt(base + i * 1000), msg: `before ${h} after` })),
  )
  await pushLogs(collector.ingestUrl, [
    { service: 'obrien', tsNs: nsAt(base), msg: 'before 1000 after, aXb' },
  ])
})
afterAll(async () => {
  await collector?.stop()
})

const api = async (path: string, params: Record<string, string> | [string, string][] = {}) => {
  const { status, body } = await getJson(`${collector.apiUrl}/api/v1${path}?${new URLSearchParams(params)}`)
  expect(status, `${path} ${JSON.stringify(params)} → ${JSON.stringify(body)}`).toBe(200)
  return body
}

describe.each(HOSTILE)('the hostile text %j', (h) => {
  it('finds exactly its own trace by service, operation and attribute', async () => {
    const own = sent.get(h)!.traceId
    expect((await api('/traces', { service: h })).traces.map((t: any) => t.traceId)).toEqual([own])
    expect((await api('/traces', { operation: h })).traces.map((t: any) => t.traceId)).toEqual([own])
    expect((await api('/traces', [['attr', `${h}=${h}`]])).traces.map((t: any) => t.traceId)).toEqual([own])
    expect(
      (await api(`/services/${encodeURIComponent(h)}/operations`)).operations.map((o: any) => o.name),
    ).toEqual([h])
  })

  it('is literal in slow spans, latency and RED', async () => {
    expect((await api('/spans/slow', { service: h, operation: h })).spans.map((s: any) => s.name)).toEqual([
      h,
    ])
    expect((await api('/operations/latency', { service: h })).operations).toMatchObject([
      { service: h, name: h, count: 1 },
    ])
    const points = (await api('/metrics/red', { service: h, operation: h, lookback: '30m' })).points
    expect(points.reduce((n: number, p: any) => n + p.requests, 0)).toBe(1)
  })

  it('finds exactly its own log line by service and by q', async () => {
    expect((await api('/logs', { service: h })).logs.map((l: any) => l.body)).toEqual([`before ${h} after`])
    expect((await api('/logs', { q: h })).logs.map((l: any) => l.service)).toEqual([h])
  })

  it('matches nothing when it is only part of a filter value', async () => {
    expect((await api('/traces', { service: `${h}x` })).traces).toEqual([])
    expect((await api('/traces', [['attr', `${h}=${h}x`]])).traces).toEqual([])
    expect((await api('/logs', { q: `${h}${h}` })).logs).toEqual([])
  })
})

describe('after every hostile query', () => {
  it('the tables still hold every span and log line', async () => {
    const traces = (await api('/traces', { limit: '1000' })).traces
    expect(traces).toHaveLength(HOSTILE.length + 2)
    expect((await api('/logs', { limit: '1000' })).logs).toHaveLength(HOSTILE.length + 1)
    const services = (await api('/services')).services.map((s: any) => s.name)
    for (const h of HOSTILE) expect(services).toContain(h)
  })

  it('wildcards and escapes never widen a match', async () => {
    expect((await api('/traces', { service: '%' })).traces).toEqual([])
    expect((await api('/traces', { service: '_brien' })).traces).toEqual([])
    expect((await api('/traces', [['attr', 'a_b=%']])).traces).toEqual([])
    expect((await api('/logs', { q: 'a_b' })).logs.map((l: any) => l.service)).toEqual(['a_b'])
    expect((await api('/logs', { q: '100%' })).logs.map((l: any) => l.service)).toEqual(['100%'])
  })
})
