/**
 * With --ingest-token and --query-token, every endpoint answers 401 without the right bearer token and
 * works with it; /health stays open for probes. Tokens are never written to the collector's output.
 */
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'

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
