/**
 * Skein as Tempo for Grafana's Tempo data source: requests shaped as Grafana's Go data source sends them
 * (protobuf `Accept` for a trace by id, `start`/`end` in Unix seconds, `q` in TraceQL, `tags` in logfmt)
 * on a real collector holding a shop's traces sent with the OTLP exporter. Protobuf answers are decoded
 * with OTLP's schema (test/helpers/otlp-proto.ts) and compared with what was sent; and the same through
 * Perses' published Tempo client (test/clients).
 */
import { parser } from '@grafana/lezer-traceql'
import { type TraceSearchForm, traceQLOf } from '@skein/model'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempo as perses } from '../../../test/clients/perses.js'
import { getJson, type RunningCollector, startCollector, stored } from '../../../test/helpers/collector.js'
import { decodeTempoTrace, decodeTempoTraceV2 } from '../../../test/helpers/otlp-proto.js'
import { type SentTrace, traceSender } from '../../../test/helpers/telemetry.js'
import { type Shop, sendShop } from '../query/shop-fixture.js'
import { parsesWith } from './queries.js'

let collector: RunningCollector
let shop: Shop
let tempo: string
let range: string
const HOSTILE = [
  "o'brien",
  'back\\slash',
  '{p0:String}',
  "x'); DROP TABLE otel_traces; --",
  '100%',
  'a_b',
  '.*',
  '"quoted"',
  'uni ☃ 𝄞',
]
const hostile = new Map<string, SentTrace>()
/** Before the shop's range (its own), so that the shop's tests do not see these traces. */
let hostileRange: string

beforeAll(async () => {
  collector = await startCollector()
  shop = await sendShop(collector.ingestUrl)
  tempo = `${collector.apiUrl}/tempo`
  range = `start=${Math.floor(shop.base / 1000) - 60}&end=${Math.ceil(Date.now() / 1000)}`
  const sender = traceSender(collector.ingestUrl)
  const at = shop.base - 30 * 60_000
  HOSTILE.forEach((h, i) => {
    hostile.set(
      h,
      sender.trace(at + i * 1000, { service: 'hostile', name: h, at: 0, ms: 5, attributes: { note: h } }),
    )
  })
  await sender.flush()
  await sender.shutdown()
  hostileRange = `start=${Math.floor(at / 1000) - 60}&end=${Math.floor(at / 1000) + 60}`
  await stored(collector.ingestUrl)
})
afterAll(async () => {
  await collector?.stop()
})

const parses = (q: string) => parsesWith(parser, q)

async function traceql(q: string, extra = ''): Promise<any[]> {
  const url = `${tempo}/api/search?q=${encodeURIComponent(parses(q))}&${range}&limit=20&spss=3${extra}`
  const { status, body } = await getJson(url)
  expect(status, JSON.stringify(body)).toBe(200)
  return body.traces
}
const ids = (traces: any[]) => traces.map((t) => t.traceID)

describe('Tempo API: status', () => {
  it('answers the echo and build info that Grafana checks a data source with', async () => {
    const echo = await fetch(`${tempo}/api/echo`)
    expect(echo.status).toBe(200)
    expect(await echo.text()).toBe('echo')
    const { body } = await getJson(`${tempo}/api/status/buildinfo`)
    expect(body.version).toMatch(/^2\.\d+\.\d+$/)
  })
})

describe('Tempo API: a trace by id', () => {
  it('answers v2 in protobuf with every span as sent: ids, parents, services, names, kinds, durations, attributes', async () => {
    const o = shop.orders
    const res = await fetch(`${tempo}/api/v2/traces/${o.traceId}`, {
      headers: { Accept: 'application/protobuf' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/protobuf')
    const spans = decodeTempoTraceV2(new Uint8Array(await res.arrayBuffer()))
    expect(spans.map((s) => s.spanId).sort()).toEqual(o.spans.map((s) => s.spanId).sort())
    for (const sent of o.spans) {
      const got = spans.find((s) => s.spanId === sent.spanId)
      expect(got).toMatchObject({
        traceId: o.traceId,
        parentSpanId: sent.parentSpanId,
        name: sent.spec.name,
        service: sent.spec.service,
        startNs: sent.startNs,
        durationNs: String(Math.round(sent.spec.ms * 1e6)),
        // OTLP numbers: SpanKind server 2, client 3, internal 1 (the API's + 1).
        kind: (sent.spec.kind ?? 0) + 1,
      })
      expect(got?.resource['deployment.environment']).toBe('test')
      for (const [k, v] of Object.entries(sent.spec.attributes ?? {}))
        expect(got?.attributes[k]).toBe(String(v))
    }
  })

  it('answers v1 in protobuf as a Trace, and gives the error status and its message', async () => {
    const f = shop.failedOrder
    const res = await fetch(`${tempo}/api/traces/${f.traceId}`, {
      headers: { Accept: 'application/protobuf' },
    })
    const spans = decodeTempoTrace(new Uint8Array(await res.arrayBuffer()))
    const failed = spans.find((s) => s.spanId === f.span('GET /orders/:id').spanId)
    expect(failed).toMatchObject({ statusCode: 2, statusMessage: 'boom', attributes: { tenant: 'acme' } })
  })

  it('answers in OTLP JSON otherwise (base64 ids, enum names, nanoseconds as strings)', async () => {
    const o = shop.orders
    const { status, body } = await getJson(`${tempo}/api/traces/${o.traceId}`)
    expect(status).toBe(200)
    const spans = body.batches.flatMap((b: any) => b.scopeSpans.flatMap((s: any) => s.spans))
    const root = spans.find((s: any) => s.name === 'GET /orders')
    expect(Buffer.from(root.traceId, 'base64').toString('hex')).toBe(o.traceId)
    expect(root).toMatchObject({ kind: 'SPAN_KIND_SERVER', startTimeUnixNano: o.spans[0].startNs })
    const v2 = await getJson(`${tempo}/api/v2/traces/${o.traceId}`)
    expect(v2.body.trace.resourceSpans.length).toBe(body.batches.length)
  })

  it('says 404 for an unknown id and 400 for an id that is not hex', async () => {
    expect((await fetch(`${tempo}/api/v2/traces/${'ab'.repeat(16)}`)).status).toBe(404)
    const bad = await getJson(`${tempo}/api/v2/traces/not-an-id`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('traceID')
  })
})

describe('Tempo API: TraceQL search', () => {
  it('answers with Tempo shapes: ids, root, string nanoseconds, integer durationMs, spanSets of matched spans', async () => {
    const [t, ...rest] = await traceql('{ resource.service.name = "payments" && status = error }')
    expect(rest).toEqual([])
    const c = shop.checkout
    expect(t).toMatchObject({
      traceID: c.traceId,
      rootServiceName: 'gateway',
      rootTraceName: 'POST /checkout',
      startTimeUnixNano: c.spans[0].startNs,
      durationMs: 1000,
    })
    expect(Number.isInteger(t.durationMs)).toBe(true)
    expect(t.spanSets[0].matched).toBe(1)
    expect(t.spanSets[0].spans[0]).toMatchObject({
      spanID: c.span('charge').spanId,
      startTimeUnixNano: c.span('charge').startNs,
      durationNanos: '800000000',
    })
    expect(t.serviceStats).toEqual({ gateway: { spanCount: 1 }, payments: { spanCount: 1, errorCount: 1 } })
  })

  it('matches the planted child only under its planted parent (> child, >> descendant)', async () => {
    const q1 = '{ resource.service.name = "orders" } > { resource.service.name = "db" }'
    expect(ids(await traceql(q1))).toEqual([shop.orders.traceId])
    const [t] = await traceql(q1)
    expect(t.spanSets[0].spans.map((s: any) => s.spanID)).toEqual([shop.orders.span('SELECT orders').spanId])
    // db is a grandchild of gateway: not a child, but a descendant.
    expect(await traceql('{ resource.service.name = "gateway" } > { resource.service.name = "db" }')).toEqual(
      [],
    )
    expect(
      ids(await traceql('{ resource.service.name = "gateway" } >> { resource.service.name = "db" }')),
    ).toEqual([shop.orders.traceId])
  })

  it('combines spansets with && and ||, and filters on intrinsics and attributes', async () => {
    expect(ids(await traceql('{ name = "charge" } || { name = "query" }'))).toEqual([
      shop.search.traceId,
      shop.checkout.traceId,
    ])
    expect(await traceql('{ name = "charge" } && { name = "query" }')).toEqual([])
    expect(ids(await traceql('{ span.tenant = "acme" && kind = server }'))).toEqual([
      shop.failedOrder.traceId,
    ])
    expect(ids(await traceql('{ duration > 700ms }'))).toEqual([shop.checkout.traceId])
    expect(ids(await traceql('{ name =~ "GET /orders.*" && duration >= 250ms }'))).toEqual([
      shop.failedOrder.traceId,
    ])
    expect(ids(await traceql('{ rootName = "GET /search" }'))).toEqual([shop.search.traceId])
    expect(ids(await traceql('{ traceDuration > 400ms && rootServiceName = "gateway" }'))).toEqual([
      shop.search.traceId,
      shop.checkout.traceId,
    ])
    expect(ids(await traceql('{ .http.route = "/orders/:id" }'))).toEqual([
      shop.failedOrder.traceId,
      shop.orders.traceId,
    ])
  })

  it('finds with the search form written as TraceQL (traceQLOf) the traces /api/v1/traces finds with the form', async () => {
    const cases: [string, TraceSearchForm][] = [
      ['service=orders&status=error', { service: 'orders', status: 'error' }],
      ['minDurationMs=400', { minDurationMs: 400 }],
      ['maxDurationMs=150&service=gateway', { maxDurationMs: 150, service: 'gateway' }],
      [
        'operation=GET+/orders/:id&attr=tenant%3Dacme',
        { operation: 'GET /orders/:id', attrs: ['tenant=acme'] },
      ],
      [
        'attr=deployment.environment%3Dtest&minDurationMs=100&maxDurationMs=300',
        {
          attrs: ['deployment.environment=test'],
          minDurationMs: 100,
          maxDurationMs: 300,
        },
      ],
    ]
    for (const [params, form] of cases) {
      const api = await getJson(`${collector.apiUrl}/api/v1/traces?${params}&lookback=1h`)
      const expected = api.body.traces.map((t: any) => t.traceId)
      expect(expected.length, params).toBeGreaterThan(0)
      expect(ids(await traceql(traceQLOf(form))), traceQLOf(form)).toEqual(expected)
    }
  })

  it('takes tags in logfmt and Go durations, as the older search form sends them', async () => {
    const url = `${tempo}/api/search?tags=${encodeURIComponent('service.name="orders" tenant=acme')}&minDuration=100ms&${range}`
    const { body } = await getJson(url)
    expect(ids(body.traces)).toEqual([shop.failedOrder.traceId])
  })

  it('refuses what the subset does not cover with a 400 naming it, and what does not parse with a 400 saying where', async () => {
    for (const [q, part] of [
      ['{ name = "a" } | count() > 2', 'count()'],
      ['{ name = "a" } | select(span.foo)', 'select'],
      ['{ event.name = "x" }', 'event'],
      ['{ name = "a" } << { name = "b" }', '<<'],
    ]) {
      const { status, body } = await getJson(`${tempo}/api/search?q=${encodeURIComponent(q)}&${range}`)
      expect(status, q).toBe(400)
      expect(body.error.code).toBe('SKEIN_ERR_UNSUPPORTED_QUERY')
      expect(body.error.message).toContain(part)
    }
    const { status, body } = await getJson(
      `${tempo}/api/search?q=${encodeURIComponent('{ name = }')}&${range}`,
    )
    expect(status).toBe(400)
    expect(body.error.code).toBe('SKEIN_ERR_BAD_QUERY')
  })
})

describe('Tempo API: Perses’ Tempo client', () => {
  // The published client (@perses-dev/tempo-plugin 0.54.0, installed in test/clients: its peers conflict
  // with the UI's React and echarts), as its Tempo data source calls it: JSON answers, seconds.
  const options = () => ({ datasourceUrl: tempo })
  const seconds = () => ({ start: Math.floor(shop.base / 1000) - 60, end: Math.ceil(Date.now() / 1000) })
  const hex = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('hex')
  /** serviceStats as Tempo counts them: spans and error spans per service of the trace sent. */
  const statsOf = (t: SentTrace) => {
    const stats: Record<string, { spanCount: number; errorCount?: number }> = {}
    for (const { spec } of t.spans) {
      const s = stats[spec.service] ?? { spanCount: 0 }
      stats[spec.service] = s
      s.spanCount++
      if (spec.status === 'error') s.errorCount = (s.errorCount ?? 0) + 1
    }
    return stats
  }

  it('reads a trace by id with every span as sent: ids, parents, services, names, start times, durations', async () => {
    const o = shop.orders
    const { batches } = await perses.query({ traceId: o.traceId }, options())
    const spans = batches.flatMap((b) => {
      const service = b.resource?.attributes?.find((a) => a.key === 'service.name')?.value
      return b.scopeSpans.flatMap((s) => s.spans.map((span) => ({ ...span, service })))
    })
    expect(spans.map((s) => hex(s.spanId)).sort()).toEqual(o.spans.map((s) => s.spanId).sort())
    for (const sent of o.spans) {
      const got = spans.find((s) => hex(s.spanId) === sent.spanId)!
      expect(hex(got.traceId)).toBe(o.traceId)
      expect(hex(got.parentSpanId)).toBe(sent.parentSpanId)
      expect(got.service).toEqual({ stringValue: sent.spec.service })
      expect(got.name).toBe(sent.spec.name)
      expect(got.startTimeUnixNano).toBe(sent.startNs)
      expect(BigInt(got.endTimeUnixNano) - BigInt(got.startTimeUnixNano)).toBe(
        BigInt(Math.round(sent.spec.ms * 1e6)),
      )
    }
  })

  it('searches with TraceQL: the planted child only under its planted parent, with the matched span', async () => {
    const q = parses('{ resource.service.name = "orders" } > { resource.service.name = "db" }')
    const { traces } = await perses.search({ q, ...seconds(), limit: 20, spss: 3 }, options())
    const o = shop.orders
    expect(traces.map((t) => t.traceID)).toEqual([o.traceId])
    const [t] = traces
    expect(t).toMatchObject({
      rootServiceName: 'gateway',
      rootTraceName: o.spans[0].spec.name,
      startTimeUnixNano: o.spans[0].startNs,
      durationMs: o.spans[0].spec.ms,
    })
    const db = o.span('SELECT orders')
    expect(t.spanSets?.[0].spans).toEqual([
      expect.objectContaining({
        spanID: db.spanId,
        startTimeUnixNano: db.startNs,
        durationNanos: String(db.spec.ms * 1e6),
      }),
    ])
    const none = await perses.search(
      { q: parses('{ resource.service.name = "gateway" } > { resource.service.name = "db" }'), ...seconds() },
      options(),
    )
    expect(none.traces).toEqual([])
  })

  it('gives the services of each trace found, with their span and error counts as sent', async () => {
    const q = parses('{ status = error }')
    const { traces } = await perses.searchWithFallback({ q, ...seconds() }, options())
    const want = [shop.checkout, shop.failedOrder]
    expect(traces.map((t) => t.traceID)).toEqual(want.map((t) => t.traceId))
    expect(traces.map((t) => t.serviceStats)).toEqual(want.map(statsOf))
  })

  it('lists tag names by scope and the values of a tag, as sent in the range', async () => {
    const { scopes } = await perses.searchTags({ scope: 'resource', ...seconds() }, options())
    expect(scopes.find((s) => s.name === 'resource')?.tags).toEqual(
      expect.arrayContaining(['service.name', 'deployment.environment']),
    )
    const { tagValues } = await perses.searchTagValues(
      { tag: 'resource.service.name', ...seconds() },
      options(),
    )
    const sent = new Set(
      [shop.orders, shop.failedOrder, shop.health, shop.checkout, shop.search].flatMap((t) =>
        t.spans.map((s) => s.spec.service),
      ),
    )
    expect(tagValues.map((v) => v.value).sort()).toEqual([...sent].sort())
    expect(tagValues.every((v) => v.type === 'string')).toBe(true)
  })
})

describe('Tempo API: hostile text', () => {
  it('matches hostile names and attribute values literally, in TraceQL and in tags, and keeps every row', async () => {
    for (const h of HOSTILE) {
      const want = [hostile.get(h)?.traceId]
      for (const q of [
        `{ name = ${JSON.stringify(h)} }`,
        `{ span.note = ${JSON.stringify(h)} && resource.service.name = "hostile" }`,
      ]) {
        const { status, body } = await getJson(
          `${tempo}/api/search?q=${encodeURIComponent(parses(q))}&${hostileRange}`,
        )
        expect(status, q).toBe(200)
        expect(ids(body.traces), q).toEqual(want)
      }
      const tags = await getJson(
        `${tempo}/api/search?tags=${encodeURIComponent(`note=${JSON.stringify(h)}`)}&${hostileRange}`,
      )
      expect(ids(tags.body.traces), h).toEqual(want)
    }
    const all = await getJson(
      `${tempo}/api/search?q=${encodeURIComponent('{ resource.service.name = "hostile" }')}&${hostileRange}&limit=100`,
    )
    expect(all.body.traces).toHaveLength(HOSTILE.length)
  })
})

describe('Tempo API: bad input', () => {
  it('answers a 400 naming the problem, never a 5xx, for queries and parameters a client gets wrong', async () => {
    const cases: [string, string][] = [
      [`q=${encodeURIComponent('{ name =~ "a{2000}" }')}`, 'regular expression'],
      [`q=${encodeURIComponent(`{ span.x > ${'9'.repeat(400)} }`)}`, 'number'],
      [`q=${encodeURIComponent('{ duration > 999999999999h }')}`, 'duration'],
      [`q=${encodeURIComponent('{ span.x = 1 }')}&limit=0`, 'limit'],
      [`q=${encodeURIComponent('{}')}&minDuration=fast`, 'minDuration'],
      [`q=${encodeURIComponent('{}')}&minDuration=2s&maxDuration=1s`, 'maxDuration'],
      [`q=${encodeURIComponent('{}')}&start=yesterday`, 'start'],
      [`tags=${encodeURIComponent('a="unterminated')}`, 'tags'],
    ]
    for (const [params, part] of cases) {
      const { status, body } = await getJson(`${tempo}/api/search?${params}`)
      expect(status, params).toBe(400)
      expect(body.error.message, params).toContain(part)
    }
    const scope = await getJson(`${tempo}/api/v2/search/tags?scope=event`)
    expect(scope.status).toBe(400)
    expect(
      (await getJson(`${tempo}/api/v2/search/tag/${encodeURIComponent('no-scope')}/values`)).status,
    ).toBe(400)
    expect((await getJson(`${tempo}/api/nothing`)).status).toBe(404)
  })
})

describe('Tempo API: tags', () => {
  it('lists tag names by scope (v2) and all together (v1)', async () => {
    const { body } = await getJson(`${tempo}/api/v2/search/tags?${range}`)
    const scope = (name: string) => body.scopes.find((s: any) => s.name === name).tags
    expect(scope('resource')).toEqual(expect.arrayContaining(['service.name', 'deployment.environment']))
    expect(scope('span')).toEqual(expect.arrayContaining(['http.route', 'tenant']))
    expect(scope('intrinsic')).toEqual(expect.arrayContaining(['name', 'status', 'duration', 'kind']))
    const v1 = await getJson(`${tempo}/api/search/tags?${range}`)
    expect(v1.body.tagNames).toEqual(expect.arrayContaining(['service.name', 'http.route', 'tenant']))
  })

  it('lists the values of a tag, typed in v2', async () => {
    const v2 = await getJson(`${tempo}/api/v2/search/tag/resource.service.name/values?${range}`)
    expect(v2.body.tagValues).toEqual(
      expect.arrayContaining([
        { type: 'string', value: 'gateway' },
        { type: 'string', value: 'payments' },
      ]),
    )
    const status = await getJson(`${tempo}/api/v2/search/tag/status/values?${range}`)
    expect(status.body.tagValues).toContainEqual({ type: 'keyword', value: 'error' })
    const events = await getJson(`${tempo}/api/v2/search/tag/event.name/values?${range}`)
    expect(events.body.tagValues).toEqual([])
    const v1 = await getJson(`${tempo}/api/search/tag/tenant/values?${range}`)
    expect(v1.body.tagValues).toEqual(['acme'])
  })
})
