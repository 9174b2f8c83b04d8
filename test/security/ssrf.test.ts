/**
 * SSRF through alert webhooks (issue 18, item 6): the collector POSTs to whatever URL a rule names, from
 * inside its network. The probes aimed rules at loopback, private ranges, link-local and cloud metadata
 * addresses in every spelling the URL parser accepts, and read the event log as a port scanner. A real
 * collector, a real receiver on 127.0.0.1, rules created through the API as a user would.
 *
 * Order matters: the first collector runs with --alert-allow-private-webhooks and stores two rules aimed
 * at loopback (one port open, one closed); the second runs on the same data dir without the flag, as
 * after an operator turns it off, and must refuse those stored rules at send time.
 */
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  eventually,
  freePort,
  getJson,
  type RunningCollector,
  startCollector,
  tempDir,
} from '../helpers/collector.js'
import { traceSender } from '../helpers/telemetry.js'

const ALLOW = '--alert-allow-private-webhooks'
const ARGS = ['--alert-interval', '300ms', '--log-level', 'debug']
const dataDir = join(tempDir('skein-ssrf-'), 'data')
let collector: RunningCollector
let receiver: Server
let hookBase: string
let closedPort: number
const calls: string[] = []

beforeAll(async () => {
  receiver = createServer((req, res) => {
    calls.push(req.url ?? '')
    req.resume()
    req.on('end', () => res.writeHead(200).end())
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const addr = receiver.address()
  hookBase = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  closedPort = await freePort()
  collector = await startCollector({ args: [...ARGS, ALLOW], dataDir })
})

afterAll(async () => {
  await collector?.stop()
  await new Promise<void>((r) => receiver?.close(() => r()))
})

async function api(method: string, path: string, body?: unknown) {
  return getJson(`${collector.apiUrl}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
}

const rule = (id: string, webhookUrl: string) => ({
  id,
  name: id,
  service: 'pay',
  errorRateAbove: 0.1,
  window: '30s',
  minRequests: 1,
  for: '0s',
  webhookUrl,
})

/** Never allowed, flag or not: link-local, cloud metadata (by address or by name), "this host", multicast. */
const NEVER = [
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://[::ffff:169.254.169.254]/latest/meta-data/',
  'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
  'http://2852039166/latest/meta-data/',
  'http://0xa9fea9fe/latest/meta-data/',
  'http://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
  'http://[fe80::1]/',
  'http://169.254.0.1/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://metadata.google.internal./computeMetadata/v1/',
  'http://100.100.100.200/latest/meta-data/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://0.0.0.0:22/',
  'http://0/',
  'http://[::]:22/',
  'http://224.0.0.1/',
]

/** Allowed only with --alert-allow-private-webhooks: loopback in every spelling, private ranges. */
const PRIVATE = [
  'http://127.0.0.1:22/',
  'http://2130706433:22/',
  'http://0x7f000001:22/',
  'http://0177.0.0.1:22/',
  'http://127.1:22/',
  'http://[::1]:22/',
  'http://[::ffff:127.0.0.1]:22/',
  'http://localhost:22/',
  'http://10.0.0.1/',
  'http://172.16.0.1/',
  'http://192.168.0.1/',
  'http://100.64.0.1/',
  'http://[fd00::1]/',
]

describe('with --alert-allow-private-webhooks', () => {
  it.each(NEVER)('still refuses a rule aimed at %s', async (url) => {
    const res = await api('POST', '/alerts/rules', rule('never', url))
    expect(res.status, JSON.stringify(res.body)).toBe(400)
    expect(res.body.error.code).toBe('SKEIN_ERR_WEBHOOK_NOT_ALLOWED')
    expect(res.body.error.message).toContain('webhookUrl')
  })

  it('accepts rules aimed at a receiver on loopback', async () => {
    for (const r of [
      rule('open-port', `${hookBase}/hook/secret-path-token`),
      rule('closed-port', `http://127.0.0.1:${closedPort}/hook/secret-path-token`),
    ]) {
      const res = await api('POST', '/alerts/rules', r)
      expect(res.status, JSON.stringify(res.body)).toBe(201)
    }
  })
})

describe('without --alert-allow-private-webhooks (the default)', () => {
  beforeAll(async () => {
    await collector.stop({ keepData: true })
    collector = await startCollector({ args: ARGS, dataDir })
  })

  it.each([...NEVER, ...PRIVATE])('refuses a rule aimed at %s with 400 naming webhookUrl', async (url) => {
    const res = await api('POST', '/alerts/rules', rule('probe', url))
    expect(res.status, JSON.stringify(res.body)).toBe(400)
    expect(res.body.error.code).toBe('SKEIN_ERR_WEBHOOK_NOT_ALLOWED')
    expect(res.body.error.message).toContain('invalid rule field webhookUrl')
  })

  it('refuses to move a stored rule to such an address, and still lets it be silenced', async () => {
    const moved = await api('PUT', '/alerts/rules/open-port', {
      webhookUrl: 'http://169.254.169.254/latest/meta-data/',
    })
    expect(moved.status).toBe(400)
    expect(moved.body.error.code).toBe('SKEIN_ERR_WEBHOOK_NOT_ALLOWED')
    const silenced = await api('POST', '/alerts/rules/open-port/silence', { for: '1s' })
    expect(silenced.status).toBe(200)
    expect((await api('DELETE', '/alerts/rules/open-port/silence')).status).toBe(200)
  })

  it('refuses a URL with credentials, repeating them neither in the answer nor in its log', async () => {
    const res = await api('POST', '/alerts/rules', rule('creds', 'https://admin:hunter2@hooks.example.com/x'))
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('SKEIN_ERR_WEBHOOK_NOT_ALLOWED')
    expect(JSON.stringify(res.body)).not.toContain('hunter2')
    expect(collector.output()).not.toContain('hunter2')
  })

  it('refuses the stored loopback rules at send time, the same way for an open and a closed port', async () => {
    const t = traceSender(collector.ingestUrl)
    for (let i = 0; i < 3; i++) {
      t.trace(Date.now(), {
        service: 'pay',
        name: 'POST /pay',
        kind: SpanKind.SERVER,
        at: 0,
        ms: 5,
        status: 'error',
      })
    }
    await t.flush()
    await t.shutdown()
    const outcome = async (id: string) =>
      (await api('GET', `/alerts/events?ruleId=${id}`)).body.events.find(
        (e: any) => e.kind === 'firing' && e.notification?.status === 'failed',
      )?.notification
    const [open, closed] = await eventually(async () => {
      const both = [await outcome('open-port'), await outcome('closed-port')]
      return both.every(Boolean) && both
    }, 20_000)
    for (const n of [open, closed]) {
      expect(n).toEqual({
        status: 'failed',
        attempts: 1,
        error: 'webhook refused: address not allowed',
        at: expect.any(String),
      })
    }
    expect(calls).toEqual([])
    // The operator's log says why and how to allow it, without the URL (its path may hold a secret).
    const log = collector.output()
    expect(log).toMatch(
      /rule open-port: webhook refused: address not allowed .*loopback.*--alert-allow-private-webhooks/,
    )
    expect(log).not.toContain('secret-path-token')
  })
})
