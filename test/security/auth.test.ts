/**
 * With --ingest-token and --query-token, every endpoint answers 401 without the right bearer token and
 * works with it; /health stays open for probes. Tokens are never written to the collector's output.
 * The token is required of the route a request reaches, whatever spelling of the path reached it.
 */
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { rawHttp } from '../helpers/raw-http.js'

const INGEST = 'ingest-secret-8f3a'
const QUERY = 'query-secret-1c9d'
let c: RunningCollector

beforeAll(async () => {
  c = await startCollector({
    args: ['--ingest-token', INGEST, '--query-token', QUERY, '--log-level', 'debug'],
  })
})
afterAll(async () => {
  await c?.stop()
})

const ns = `${BigInt(Date.now()) * 1_000_000n}`
const traceBody = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [
            {
              traceId: 'ab'.repeat(16),
              spanId: 'cd'.repeat(8),
              name: 'x',
              startTimeUnixNano: ns,
              endTimeUnixNano: ns,
            },
          ],
        },
      ],
    },
  ],
})
const logsBody = JSON.stringify({
  resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: ns, body: { stringValue: 'hi' } }] }] }],
})
const lokiBody = JSON.stringify({ streams: [{ stream: { service_name: 'auth' }, values: [[ns, 'hello']] }] })

const ingestEndpoints: [string, string][] = [
  ['/v1/traces', traceBody],
  ['/v1/logs', logsBody],
  ['/loki/api/v1/push', lokiBody],
]
const queryEndpoints = [
  '/api/v1/services',
  '/api/v1/services/auth/operations',
  '/api/v1/traces',
  `/api/v1/traces/${'ab'.repeat(16)}`,
  '/api/v1/logs',
  '/api/v1/spans/slow',
  '/api/v1/operations/latency',
  '/api/v1/metrics/red?service=auth',
  '/api/v1/dependencies',
  '/api/v1/alerts/rules',
  '/api/v1/alerts/events',
  '/api/v1/compare?service=auth&status=error',
  `/api/v1/traces/${'ab'.repeat(16)}/diff/${'cd'.repeat(16)}`,
]
const tokens: [string, Record<string, string>, boolean][] = [
  ['no token', {}, false],
  ['a wrong token', { authorization: 'Bearer nope' }, false],
  ['a malformed header', { authorization: INGEST }, false],
]

describe.each(ingestEndpoints)('POST %s', (path, body) => {
  it.each(tokens)('answers 401 with %s', async (_label, headers) => {
    const r = await fetch(`${c.ingestUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    })
    expect(r.status).toBe(401)
  })
  it('accepts the right token', async () => {
    const r = await fetch(`${c.ingestUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` },
      body,
    })
    expect(r.status).toBeLessThan(300)
  })
  it('does not accept the query token', async () => {
    const r = await fetch(`${c.ingestUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${QUERY}` },
      body,
    })
    expect(r.status).toBe(401)
  })
})

describe.each(queryEndpoints)('GET %s', (path) => {
  it.each(tokens)('answers 401 with %s', async (_label, headers) => {
    const r = await fetch(`${c.apiUrl}${path}`, { headers })
    expect(r.status).toBe(401)
    expect((await r.json()).error.code).toBe('SKEIN_ERR_UNAUTHORIZED')
  })
  it('answers with the right token', async () => {
    const r = await fetch(`${c.apiUrl}${path}`, { headers: { authorization: `Bearer ${QUERY}` } })
    expect([200, 404]).toContain(r.status)
  })
})

describe('gRPC Export', () => {
  function call(method: string, metadata: grpc.Metadata): Promise<number> {
    const client = new grpc.Client(`127.0.0.1:${c.ports.grpc}`, grpc.credentials.createInsecure())
    return new Promise((resolve) =>
      client.makeUnaryRequest(
        method,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        metadata,
        (err) => {
          client.close()
          resolve(err ? err.code : 0)
        },
      ),
    )
  }
  for (const method of [
    '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
  ]) {
    it(`${method.split('/')[1]} needs the ingest token`, async () => {
      expect(await call(method, new grpc.Metadata())).toBe(grpc.status.UNAUTHENTICATED)
      const wrong = new grpc.Metadata()
      wrong.set('authorization', 'Bearer nope')
      expect(await call(method, wrong)).toBe(grpc.status.UNAUTHENTICATED)
      const right = new grpc.Metadata()
      right.set('authorization', `Bearer ${INGEST}`)
      expect(await call(method, right)).toBe(grpc.status.OK)
    })
  }
  // Issue 18, item 1, on the gRPC port: gRPC routes on the exact method path, so an encoded spelling
  // reaches no handler at all, with or without the token.
  it('serves no percent-encoded spelling of a method', async () => {
    const right = new grpc.Metadata()
    right.set('authorization', `Bearer ${INGEST}`)
    for (const method of [
      '/opentelemetry.proto.collector.trace.v1.TraceService/%45xport',
      '/%6Fpentelemetry.proto.collector.logs.v1.LogsService/Export',
    ]) {
      expect(await call(method, new grpc.Metadata())).toBe(grpc.status.UNIMPLEMENTED)
      expect(await call(method, right)).toBe(grpc.status.UNIMPLEMENTED)
    }
  })
})

describe('GET /metrics', () => {
  it('needs the ingest token too', async () => {
    expect((await fetch(`${c.ingestUrl}/metrics`)).status).toBe(401)
    const r = await fetch(`${c.ingestUrl}/metrics`, { headers: { authorization: `Bearer ${INGEST}` } })
    expect(r.status).toBe(200)
    expect(await r.text()).toContain('skein_received_items_total')
  })
})

describe('health and secrecy', () => {
  it('leaves /health open on every port', async () => {
    expect((await fetch(`${c.ingestUrl}/health`)).status).toBe(200)
    expect((await fetch(`${c.apiUrl}/health`)).status).toBe(200)
  })
  it('never writes a token to its output', () => {
    expect(c.output()).not.toContain(INGEST)
    expect(c.output()).not.toContain(QUERY)
  })
})

/**
 * Spellings of a path that a router decodes back to the same path: the first letter of each segment
 * percent-encoded in turn, then every letter, in upper- and in lower-case hex.
 */
function spellings(path: string): string[] {
  const [p, q] = path.split('?')
  const enc = (c: string, upper: boolean) => {
    const hex = c.charCodeAt(0).toString(16)
    return `%${upper ? hex.toUpperCase() : hex.toLowerCase()}`
  }
  const out = new Set<string>()
  const segments = p.split('/')
  for (let i = 1; i < segments.length; i++) {
    const k = segments[i].search(/[a-z]/i)
    if (k < 0) continue
    const s = [...segments]
    s[i] = `${s[i].slice(0, k)}${enc(s[i][k], true)}${s[i].slice(k + 1)}`
    out.add(s.join('/'))
  }
  out.add(p.replace(/[a-z]/gi, (c) => enc(c, true)))
  out.add(p.replace(/[a-z]/gi, (c) => enc(c, false)))
  return [...out].map((x) => (q ? `${x}?${q}` : x))
}

const RULE = {
  id: 'probe-rule',
  name: 'probe',
  service: 'auth',
  errorRateAbove: 0.5,
  webhookUrl: 'https://hooks.example.com/skein',
}
const asQuery = { authorization: `Bearer ${QUERY}` }
const json = { 'content-type': 'application/json' }

// Regression (issue 18, item 1): the query port checked the raw URL's prefix ("/api/") while the router
// matched the decoded path, so GET /%61pi/v1/traces/<id> answered with data and POST or DELETE
// /%61pi/v1/alerts/rules… created and deleted rules without the token.
describe('percent-encoded spellings of a protected path', () => {
  const queryCalls: [method: string, path: string, body?: unknown][] = [
    ...queryEndpoints.flatMap((path): [string, string][] => [
      ['GET', path],
      ['HEAD', path],
    ]),
    ['POST', '/api/v1/alerts/rules', { ...RULE, id: 'created-without-token' }],
    ['PUT', `/api/v1/alerts/rules/${RULE.id}`, { ...RULE, name: 'changed without token' }],
    ['POST', `/api/v1/alerts/rules/${RULE.id}/silence`, { for: '1h' }],
    ['DELETE', `/api/v1/alerts/rules/${RULE.id}/silence`],
    ['DELETE', `/api/v1/alerts/rules/${RULE.id}`],
    ['GET', '/api/v1/no-such-endpoint'],
    ['PATCH', '/api/v1/services'],
  ]
  const cases = queryCalls.flatMap(([method, path, body]) =>
    spellings(path).map((spelt): [string, string, unknown] => [method, spelt, body]),
  )

  beforeAll(async () => {
    const r = await fetch(`${c.apiUrl}/api/v1/alerts/rules`, {
      method: 'POST',
      headers: { ...asQuery, ...json },
      body: JSON.stringify(RULE),
    })
    expect(r.status).toBe(201)
  })

  it.each(cases)('%s %s answers 401 on the query port without the token', async (method, path, body) => {
    const r = await rawHttp(c.apiUrl, method, path, {
      headers: body === undefined ? {} : json,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    expect(r.status).toBe(401)
    if (method !== 'HEAD') expect(r.json.error.code).toBe('SKEIN_ERR_UNAUTHORIZED')
  })

  it('left the rules as they were: none created, changed, silenced or deleted', async () => {
    const r = await fetch(`${c.apiUrl}/api/v1/alerts/rules`, { headers: asQuery })
    const { rules } = await r.json()
    expect(rules.map((x: { id: string }) => x.id)).toEqual([RULE.id])
    expect(rules[0].name).toBe(RULE.name)
    expect(rules[0].silencedUntil).toBeUndefined()
  })

  it('reaches the same route as the plain spelling with the token', async () => {
    for (const path of spellings('/api/v1/alerts/rules')) {
      const r = await rawHttp(c.apiUrl, 'GET', path, { headers: asQuery })
      expect(r.status, path).toBe(200)
      expect(r.json.rules.length, path).toBe(1)
    }
  })

  const ingestCalls: [string, string, string?][] = [
    ...ingestEndpoints.map(([path, body]): [string, string, string] => ['POST', path, body]),
    ['GET', '/metrics'],
    ['HEAD', '/metrics'],
    ['GET', '/no-such-endpoint'],
    ['PUT', '/v1/traces', traceBody],
  ]
  const ingestCases = ingestCalls.flatMap(([method, path, body]) =>
    spellings(path).map((spelt): [string, string, string | undefined] => [method, spelt, body]),
  )
  it.each(ingestCases)(
    '%s %s answers 401 on the ingest port without the token',
    async (method, path, body) => {
      const r = await rawHttp(c.ingestUrl, method, path, {
        headers: body === undefined ? {} : json,
        body,
      })
      expect(r.status).toBe(401)
      if (method !== 'HEAD') expect(r.json.error.code).toBe('SKEIN_ERR_UNAUTHORIZED')
    },
  )

  it('leaves /health open in every spelling on both ports, and nothing else', async () => {
    for (const base of [c.apiUrl, c.ingestUrl]) {
      for (const path of spellings('/health')) {
        const r = await rawHttp(base, 'GET', path)
        expect(r.status, `${base}${path}`).toBe(200)
        expect(r.json).toEqual({ status: 'ok' })
      }
      const r = await rawHttp(base, 'POST', '/health', { headers: json, body: '{}' })
      expect(r.status, `POST ${base}/health`).toBe(401)
    }
  })
})
