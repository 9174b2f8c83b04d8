import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError, buildQuery, createApi } from './client'

// A real HTTP server standing in for the collector's query API, so the client's fetch path runs for real.
let server: Server
let base = ''
const seen: string[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '')
    if (req.url?.startsWith('/api/v1/traces/binary/compact')) {
      res.writeHead(200, { 'content-type': 'application/vnd.skein.compact-trace' })
      res.end(Buffer.from([0x53, 0x4b, 0x43, 0x54, 0, 0xff]))
    } else if (req.url?.startsWith('/api/v1/traces/missing')) {
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 'SKEIN_ERR_NOT_FOUND', message: 'no trace missing' } }))
    } else if (req.url?.startsWith('/api/v1/alerts')) {
      res.writeHead(404, { 'content-type': 'text/html' })
      res.end('<html>not here</html>')
    } else if (req.url?.startsWith('/api/v1/traces')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ traces: [] }))
    } else {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{not json')
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('api client', () => {
  it('sends filters as query parameters, repeating attr and skipping empty ones', async () => {
    await createApi(base).traces({
      service: 'orders',
      operation: '',
      attr: ['a=1', 'b=2'],
      range: { lookback: '15m' },
    })
    expect(seen.at(-1)).toBe('/api/v1/traces?service=orders&attr=a%3D1&attr=b%3D2&lookback=15m')
  })

  it('surfaces an API error as its code and message', async () => {
    const err = await createApi(base)
      .trace('missing')
      .catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'SKEIN_ERR_NOT_FOUND', message: 'no trace missing', status: 404 })
  })

  it('gives a non-JSON error page a code of its own', async () => {
    const err = await createApi(base)
      .alertRules()
      .catch((e) => e)
    expect(err).toMatchObject({ code: 'SKEIN_ERR_HTTP_404', status: 404 })
  })

  it('reports a body that is not JSON', async () => {
    const err = await createApi(base)
      .services({ lookback: '1h' })
      .catch((e) => e)
    expect(err.code).toBe('SKEIN_ERR_BAD_RESPONSE')
  })

  it('reports an unreachable server as a network error', async () => {
    const err = await createApi('http://127.0.0.1:1')
      .services({ lookback: '1h' })
      .catch((e) => e)
    expect(err.code).toBe('SKEIN_ERR_NETWORK')
  })

  it('leaves empty values out of the query string', () => {
    expect(buildQuery({ a: 'x y', b: undefined, c: ['1', ''] })).toBe('?a=x+y&c=1')
  })
})

// A second real server that wants `Authorization: Bearer good`, answering 401 as the collector does.
describe('api client with a query token', () => {
  let secured: Server
  let securedBase = ''
  const headers: Array<string | undefined> = []

  beforeAll(async () => {
    secured = createServer((req, res) => {
      headers.push(req.headers.authorization)
      if (req.headers.authorization !== 'Bearer good') {
        res.writeHead(401, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            error: { code: 'SKEIN_ERR_UNAUTHORIZED', message: 'missing or wrong bearer token' },
          }),
        )
      } else if (req.url?.startsWith('/api/v1/services')) {
        res.writeHead(503, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ error: { code: 'SKEIN_ERR_UNAVAILABLE', message: 'storage is down' } }))
      } else {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ traces: [] }))
      }
    })
    await new Promise<void>((r) => secured.listen(0, '127.0.0.1', r))
    securedBase = `http://127.0.0.1:${(secured.address() as AddressInfo).port}`
  })

  afterAll(() => new Promise<void>((r) => secured.close(() => r())))

  function fakeAuth(token: string | undefined) {
    const reported: Array<string | undefined> = []
    return {
      reported,
      auth: { token: () => token, unauthorized: (t: string | undefined) => reported.push(t) },
    }
  }

  it('sends the session token as a bearer header on every call', async () => {
    const { auth, reported } = fakeAuth('good')
    const client = createApi(securedBase, auth)
    await client.traces({ range: { lookback: '1h' } })
    await client.createAlertRule({} as never).catch(() => undefined)
    expect(headers.slice(-2)).toEqual(['Bearer good', 'Bearer good'])
    expect(reported).toEqual([])
  })

  it('sends no Authorization header without a token', async () => {
    await createApi(securedBase, fakeAuth(undefined).auth)
      .traces({ range: { lookback: '1h' } })
      .catch(() => undefined)
    expect(headers.at(-1)).toBeUndefined()
  })

  it('reports a 401 with the token the call carried, and still rejects the call', async () => {
    const none = fakeAuth(undefined)
    const err = await createApi(securedBase, none.auth)
      .traces({ range: { lookback: '1h' } })
      .catch((e) => e)
    expect(err).toMatchObject({ code: 'SKEIN_ERR_UNAUTHORIZED', status: 401 })
    expect(none.reported).toEqual([undefined])

    const wrong = fakeAuth('bad')
    await createApi(securedBase, wrong.auth)
      .traces({ range: { lookback: '1h' } })
      .catch(() => undefined)
    expect(wrong.reported).toEqual(['bad'])
  })

  it('checks a candidate token without touching the session', async () => {
    const { auth, reported } = fakeAuth(undefined)
    const client = createApi(securedBase, auth)
    expect(await client.checkToken('bad')).toBe(false)
    expect(headers.at(-1)).toBe('Bearer bad')
    // Past the token check the server failed for another reason: the token itself was taken.
    expect(await client.checkToken('good')).toBe(true)
    expect(reported).toEqual([])
  })

  it('throws when the server cannot be reached to check a token', async () => {
    const err = await createApi('http://127.0.0.1:1')
      .checkToken('good')
      .catch((e) => e)
    expect(err.code).toBe('SKEIN_ERR_NETWORK')
  })

  it('reads a binary answer as bytes, and its refusal as a coded error all the same', async () => {
    const bytes = new Uint8Array(await createApi(base).traceCompact('binary'))
    expect([...bytes]).toEqual([0x53, 0x4b, 0x43, 0x54, 0, 0xff])
    const err = await createApi(base)
      .traceCompact('missing')
      .catch((e) => e)
    expect(err).toMatchObject({ code: 'SKEIN_ERR_NOT_FOUND', status: 404 })
  })

  it('asks for the whole trace with its span bound', async () => {
    seen.length = 0
    await createApi(base)
      .trace('missing', undefined, { maxSpans: 20000 })
      .catch(() => {})
    expect(seen).toEqual(['/api/v1/traces/missing?maxSpans=20000'])
  })
})
