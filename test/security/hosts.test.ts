/**
 * With --allowed-hosts, the HTTP ports answer only requests whose Host is one of the names given (or an
 * IP address, or localhost, which cannot be rebound): a page of another site whose name the attacker
 * re-points at 127.0.0.1 (DNS rebinding) can no longer read traces or push data when no token is set.
 * Without the option any Host is answered, as before. Issue 18, item 7.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { parseRawAnswer, rawHttp, rawSocket } from '../helpers/raw-http.js'

let c: RunningCollector
let open: RunningCollector

beforeAll(async () => {
  ;[c, open] = await Promise.all([
    startCollector({ args: ['--allowed-hosts', 'skein.example.com,.corp.example'] }),
    startCollector(),
  ])
})
afterAll(async () => {
  await Promise.all([c?.stop(), open?.stop()])
})

const ns = `${BigInt(Date.now()) * 1_000_000n}`
const lokiBody = JSON.stringify({ streams: [{ stream: { service_name: 'h' }, values: [[ns, 'hi']] }] })

describe('--allowed-hosts', () => {
  it.each([
    'skein.example.com',
    'SKEIN.example.com:8080',
    'skein.example.com.',
    'corp.example',
    'ui.corp.example:443',
    '127.0.0.1:8080',
    '[::1]:8080',
    '10.1.2.3',
    'localhost:8080',
  ])('answers Host %s', async (host) => {
    const r = await rawHttp(c.apiUrl, 'GET', '/api/v1/services', { headers: { host } })
    expect(r.status).toBe(200)
  })

  it.each([
    'evil.example.net',
    'evil.example.net:8080',
    'skein.example.com.evil.example.net',
    'notcorp.example',
    'localhost.evil.example.net',
  ])('refuses Host %j with a coded 403 on the query port', async (host) => {
    const r = await rawHttp(c.apiUrl, 'GET', '/api/v1/services', { headers: { host } })
    expect(r.status).toBe(403)
    expect(r.json.error.code).toBe('SKEIN_ERR_HOST_NOT_ALLOWED')
  })

  it('refuses an empty Host, and a request of HTTP/1.0 without one', async () => {
    for (const request of [
      'GET /api/v1/services HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n',
      'GET /api/v1/services HTTP/1.0\r\n\r\n',
    ]) {
      const a = parseRawAnswer(await rawSocket(c.apiUrl, request))
      expect(a.status, request).toBe(403)
      expect(a.json.error.code).toBe('SKEIN_ERR_HOST_NOT_ALLOWED')
    }
  })

  it('refuses a rebound Host on the UI, on health and on the ingest port too', async () => {
    const host = { host: 'evil.example.net' }
    expect((await rawHttp(c.apiUrl, 'GET', '/', { headers: host })).status).toBe(403)
    expect((await rawHttp(c.apiUrl, 'GET', '/health', { headers: host })).status).toBe(403)
    const push = await rawHttp(c.ingestUrl, 'POST', '/loki/api/v1/push', {
      headers: { ...host, 'content-type': 'application/json' },
      body: lokiBody,
    })
    expect(push.status).toBe(403)
    expect(push.json.error.code).toBe('SKEIN_ERR_HOST_NOT_ALLOWED')
    const ok = await rawHttp(c.ingestUrl, 'POST', '/loki/api/v1/push', {
      headers: { host: 'ingest.corp.example:4318', 'content-type': 'application/json' },
      body: lokiBody,
    })
    expect(ok.status).toBe(204)
  })

  it('is off by default: any Host is answered', async () => {
    const r = await rawHttp(open.apiUrl, 'GET', '/api/v1/services', { headers: { host: 'evil.example.net' } })
    expect(r.status).toBe(200)
  })
})
