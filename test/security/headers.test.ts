/**
 * Every answer of the query port (the UI, the API, its errors, fastify's and Node's own refusals) carries
 * the headers that keep a browser from sniffing JSON into HTML, framing the UI, leaking its URLs (trace
 * ids, searches) in Referer, or running script that the UI did not ship. Regression tests of issue 18,
 * item 7: none of them were sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { parseRawAnswer, rawHttp, rawSocket } from '../helpers/raw-http.js'
import { ensureUiBuilt } from '../ui/browser.js'

const QUERY = 'headers-query-token'
let c: RunningCollector

beforeAll(async () => {
  ensureUiBuilt()
  c = await startCollector({ args: ['--query-token', QUERY] })
})
afterAll(async () => {
  await c?.stop()
})

const auth = { authorization: `Bearer ${QUERY}` }

function expectSecurityHeaders(h: Record<string, string | string[] | undefined>) {
  expect(h['x-content-type-options']).toBe('nosniff')
  expect(h['x-frame-options']).toBe('DENY')
  expect(h['referrer-policy']).toBe('no-referrer')
  const csp = String(h['content-security-policy'] ?? '')
  expect(csp).toContain("default-src 'self'")
  expect(csp).toContain("script-src 'self'")
  expect(csp).toContain("frame-ancestors 'none'")
  expect(csp).toContain("object-src 'none'")
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/)
}

describe('answers of the query port', () => {
  const cases: [string, string, string, Record<string, string>, number][] = [
    ['the UI', 'GET', '/', {}, 200],
    ['a client-side route of the UI', 'GET', '/traces/abc', {}, 200],
    ['a built asset', 'GET', '', {}, 200],
    ['health', 'GET', '/health', {}, 200],
    ['an API answer', 'GET', '/api/v1/services', auth, 200],
    ['a HEAD of an API endpoint', 'HEAD', '/api/v1/services', auth, 200],
    ['a 401', 'GET', '/api/v1/services', {}, 401],
    ['a 400 naming a parameter', 'GET', '/api/v1/traces?limit=x', auth, 400],
    ['a 404 of the API', 'GET', '/api/v1/nope', auth, 404],
    ['a 404 of another method', 'DELETE', '/', auth, 404],
    ['fastify’s bad URL', 'GET', '/api/v1/traces/%zz', auth, 400],
    ['fastify’s long parameter', 'GET', `/api/v1/services/${'a'.repeat(300)}/operations`, auth, 414],
  ]

  it.each(cases)('carry the security headers: %s', async (_what, method, path, headers, status) => {
    let p = path
    if (p === '') {
      const index = await rawHttp(c.apiUrl, 'GET', '/')
      p = /src="(\/assets\/[^"]+\.js)"/.exec(index.text)?.[1] ?? '/missing-asset'
    }
    const r = await rawHttp(c.apiUrl, method, p, { headers })
    expect(r.status).toBe(status)
    expectSecurityHeaders(r.headers)
  })

  it('carry them also when Node refuses the request before fastify sees it', async () => {
    const a = parseRawAnswer(await rawSocket(c.apiUrl, 'GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n'))
    expect(a.status).toBe(400)
    expect(a.headers).toContain('x-content-type-options: nosniff')
    expect(a.headers).toContain('x-frame-options: deny')
  })
})
