/**
 * What a black-box probe of the HTTP ports sees when it sends what no client should: every refusal is a
 * coded error `{"error":{"code":"SKEIN_ERR_…","message"}}` (fastify's own 400/404/413/414 and Node's
 * parser errors included), never fastify's default body; out-of-range parameters are refused rather
 * than silently matching everything; messages stay short whatever was sent.
 * Regression tests of issue 18, item 7.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { parseRawAnswer, rawHttp, rawSocket } from '../helpers/raw-http.js'

let c: RunningCollector

beforeAll(async () => {
  c = await startCollector()
})
afterAll(async () => {
  await c?.stop()
})

const json = { 'content-type': 'application/json' }

function expectCoded(r: { status: number; json: any }, status: number, code: string) {
  expect(r.status).toBe(status)
  expect(r.json, JSON.stringify(r.json)).toEqual({ error: { code, message: expect.any(String) } })
}

describe('the query port', () => {
  it('answers a path parameter over the length limit with a coded 414', async () => {
    const r = await rawHttp(c.apiUrl, 'GET', `/api/v1/services/${'a'.repeat(300)}/operations`)
    expectCoded(r, 414, 'SKEIN_ERR_URI_TOO_LONG')
    expect(r.json.error.message.length).toBeLessThan(300)
  })

  it('answers a path that is not valid percent-encoding with a coded 400', async () => {
    expectCoded(await rawHttp(c.apiUrl, 'GET', '/api/v1/traces/%zz'), 400, 'SKEIN_ERR_BAD_REQUEST')
  })

  it('answers a 2 MB rule body with a coded 413, not a 500', async () => {
    const body = JSON.stringify({ name: 'x'.repeat(2_000_000) })
    const r = await rawHttp(c.apiUrl, 'POST', '/api/v1/alerts/rules', { headers: json, body })
    expectCoded(r, 413, 'SKEIN_ERR_BODY_TOO_LARGE')
  })

  it('answers a rule body that is not JSON with a coded 400', async () => {
    const r = await rawHttp(c.apiUrl, 'POST', '/api/v1/alerts/rules', { headers: json, body: '{"name":' })
    expectCoded(r, 400, 'SKEIN_ERR_BAD_JSON')
  })

  it('answers a rule body of another media type with a coded 415', async () => {
    const r = await rawHttp(c.apiUrl, 'POST', '/api/v1/alerts/rules', {
      headers: { 'content-type': 'text/plain' },
      body: 'name=x',
    })
    expectCoded(r, 415, 'SKEIN_ERR_UNSUPPORTED_MEDIA_TYPE')
  })

  it('answers an unknown API endpoint and an unknown method with a coded 404', async () => {
    expectCoded(await rawHttp(c.apiUrl, 'GET', '/api/v1/nope'), 404, 'SKEIN_ERR_NOT_FOUND')
    expectCoded(await rawHttp(c.apiUrl, 'PATCH', '/api/v1/services'), 404, 'SKEIN_ERR_NOT_FOUND')
    expectCoded(
      await rawHttp(c.apiUrl, 'POST', '/nope', { headers: json, body: '{}' }),
      404,
      'SKEIN_ERR_NOT_FOUND',
    )
  })

  // The bound is where nanoseconds stop fitting in ClickHouse's Int64: past it the bound wrapped round
  // and matched every span.
  it.each([
    '/api/v1/spans/slow?minDurationMs=99999999999999999999',
    '/api/v1/traces?minDurationMs=99999999999999999999',
    '/api/v1/traces?maxDurationMs=99999999999999999999',
    '/api/v1/spans/slow?minDurationMs=9223372036855',
  ])('refuses a duration bound that overflows nanoseconds: %s', async (path) => {
    const r = await rawHttp(c.apiUrl, 'GET', path)
    expectCoded(r, 400, 'SKEIN_ERR_BAD_PARAM')
    expect(r.json.error.message).toMatch(/DurationMs/)
  })

  it('still takes the largest duration bound that fits', async () => {
    const r = await rawHttp(c.apiUrl, 'GET', '/api/v1/spans/slow?minDurationMs=9223372036854')
    expect(r.status).toBe(200)
    expect(r.json.spans).toEqual([])
  })
})

describe('the ingest port', () => {
  it('answers an unknown path with a coded 404, not fastify’s', async () => {
    const r = await rawHttp(c.ingestUrl, 'GET', '/nope')
    expect(r.status).toBe(404)
    expect(r.json.error.code).toBe('SKEIN_ERR_NOT_FOUND')
    const p = await rawHttp(c.ingestUrl, 'POST', '/v1/spans', { headers: json, body: '{}' })
    expect(p.status).toBe(404)
    expect(p.json.error.code).toBe('SKEIN_ERR_NOT_FOUND')
  })

  it('answers a path that is not valid percent-encoding with a coded 400', async () => {
    const r = await rawHttp(c.ingestUrl, 'POST', '/v1/%zz', { headers: json, body: '{}' })
    expect(r.status).toBe(400)
    expect(r.json.error.code).toBe('SKEIN_ERR_BAD_REQUEST')
  })

  it('echoes at most a short prefix of a 1 MiB Loki label in its 400', async () => {
    const ns = `${BigInt(Date.now()) * 1_000_000n}`
    const body = JSON.stringify({
      streams: [{ stream: { service_name: 'x'.repeat(1 << 20) }, values: [[ns, 'hello']] }],
    })
    const r = await rawHttp(c.ingestUrl, 'POST', '/loki/api/v1/push', { headers: json, body })
    expect(r.status).toBe(400)
    expect(r.json.error.code).toBe('SKEIN_ERR_BAD_LOKI')
    expect(r.json.error.message).toMatch(/label value too long/)
    expect(r.text.length).toBeLessThan(8192)
  })
})

describe.each([
  ['query', () => c.apiUrl],
  ['ingest', () => c.ingestUrl],
])('the %s port, below fastify', (_port, url) => {
  it('answers a malformed request line with a coded 400', async () => {
    const a = parseRawAnswer(await rawSocket(url(), 'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n'))
    expectCoded(a, 400, 'SKEIN_ERR_BAD_REQUEST')
  })

  it('answers headers over the size limit with a coded 431', async () => {
    const a = parseRawAnswer(
      await rawSocket(url(), `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`),
    )
    expectCoded(a, 431, 'SKEIN_ERR_HEADERS_TOO_LARGE')
  })
})

describe('a collector over its memory bound', () => {
  let small: RunningCollector
  beforeAll(async () => {
    small = await startCollector({ args: ['--memory-limit', '1MiB'] })
  })
  afterAll(async () => {
    await small?.stop()
  })

  // Regression: the refusal said "(0 rows held)", which points at the queue bounds, not at memory.
  it('says that memory is the reason it refuses, and that the client should retry', async () => {
    const ns = `${BigInt(Date.now()) * 1_000_000n}`
    const body = JSON.stringify({ streams: [{ stream: { service_name: 'm' }, values: [[ns, 'hi']] }] })
    const r = await rawHttp(small.ingestUrl, 'POST', '/loki/api/v1/push', { headers: json, body })
    expect(r.status).toBe(503)
    expect(r.headers['retry-after']).toBeDefined()
    expect(r.json.error.code).toBe('SKEIN_ERR_BACKPRESSURE')
    expect(r.json.error.message).not.toMatch(/rows held/)
    expect(r.json.error.message).toMatch(/memory/)
  })
})
