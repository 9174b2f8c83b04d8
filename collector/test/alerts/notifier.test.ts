import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { notificationText, sendWebhook, webhookBody } from '../../src/alerts/notifier.js'
import { validateRule } from '../../src/alerts/rule.js'

const rule = validateRule({
  id: 'checkout',
  name: 'Checkout failing',
  service: 'checkout',
  errorRateAbove: 0.05,
  window: '5m',
  webhookUrl: 'https://hooks.example.com/secret-token',
})
const m = { requests: 200, errors: 62, errorRate: 0.31, p95Ms: 120 }
// A generous per-attempt timeout, so a busy machine does not turn one attempt into two. The receivers
// here listen on 127.0.0.1, which webhooks may reach only with private addresses allowed
// (--alert-allow-private-webhooks): the tests of the refusal itself say otherwise.
const fast = { timeoutMs: 3000, attempts: 3, backoffMs: 20, allowPrivateAddresses: true }

let server: Server | undefined
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())))

/** A real HTTP receiver on a free loopback port; `answer` decides each response. */
async function receiver(answer: (n: number, req: IncomingMessage, res: ServerResponse) => void) {
  const bodies: unknown[] = []
  server = createServer((req, res) => {
    let text = ''
    req.on('data', (d) => {
      text += d
    })
    req.on('end', () => {
      bodies.push(JSON.parse(text))
      answer(bodies.length, req, res)
    })
  })
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r))
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return { url: `http://127.0.0.1:${port}/hook`, bodies }
}

describe('the webhook body', () => {
  it('has the fields of API.md and a readable text, without the webhook URL', () => {
    const body = webhookBody(rule, 'firing', m, Date.UTC(2030, 0, 1))
    expect(body).toMatchObject({
      state: 'firing',
      errorRate: 0.31,
      requests: 200,
      window: '5m',
      at: '2030-01-01T00:00:00.000Z',
    })
    expect(body.rule).toMatchObject({ id: 'checkout', name: 'Checkout failing', service: 'checkout' })
    expect(JSON.stringify(body)).not.toContain('secret-token')
    expect(body.text).toBe(
      '[FIRING] Checkout failing: checkout error rate 31.0% > 5.0% over 5m (62 errors in 200 requests)',
    )
  })

  it('says resolved, and reminds as still firing', () => {
    expect(webhookBody(rule, 'resolved', { ...m, errors: 0, errorRate: 0 }, 0, 0).state).toBe('resolved')
    expect(notificationText(rule, 'resolved', { ...m, errors: 0, errorRate: 0 })).toMatch(
      /^\[RESOLVED\] .* 0\.0% ≤ 5\.0%/,
    )
    const reminder = webhookBody(rule, 'reminder', m, 0, 0)
    expect(reminder).toMatchObject({ state: 'firing', reminder: true })
    expect(reminder.text).toMatch(/^\[STILL FIRING\]/)
  })

  it('describes latency rules by their p95', () => {
    const latency = validateRule({ ...rule, kind: 'latency', errorRateAbove: undefined, p95AboveMs: 500 })
    expect(notificationText(latency, 'firing', { ...m, p95Ms: 812.4 })).toContain(
      'p95 latency 812 ms > 500 ms',
    )
  })
})

describe('sendWebhook', () => {
  it('POSTs JSON once when the receiver accepts', async () => {
    const r = await receiver((_n, req, res) => {
      expect(req.headers['content-type']).toBe('application/json')
      res.writeHead(204).end()
    })
    const outcome = await sendWebhook(r.url, webhookBody(rule, 'firing', m, 0), fast)
    expect(outcome).toMatchObject({ status: 'sent', attempts: 1, httpStatus: 204 })
    expect(r.bodies).toHaveLength(1)
  })

  it('retries a 503 with backoff and succeeds on a later attempt', async () => {
    const r = await receiver((n, _req, res) => res.writeHead(n < 3 ? 503 : 200).end())
    const outcome = await sendWebhook(r.url, webhookBody(rule, 'firing', m, 0), fast)
    expect(outcome).toMatchObject({ status: 'sent', attempts: 3 })
  })

  it('gives up after the last attempt and says why', async () => {
    const r = await receiver((_n, _req, res) => res.writeHead(500).end())
    const outcome = await sendWebhook(r.url, webhookBody(rule, 'firing', m, 0), fast)
    expect(outcome).toMatchObject({
      status: 'failed',
      attempts: 3,
      httpStatus: 500,
      error: 'webhook failed: HTTP 500',
    })
    expect(r.bodies).toHaveLength(3)
  })

  it('does not retry an answer that will not change, such as 404', async () => {
    const r = await receiver((_n, _req, res) => res.writeHead(404).end())
    expect(await sendWebhook(r.url, webhookBody(rule, 'firing', m, 0), fast)).toMatchObject({
      status: 'failed',
      attempts: 1,
    })
  })

  it('times out a receiver that never answers', async () => {
    const r = await receiver(() => undefined)
    const outcome = await sendWebhook(r.url, webhookBody(rule, 'firing', m, 0), {
      ...fast,
      timeoutMs: 300,
      attempts: 2,
    })
    expect(outcome).toMatchObject({ status: 'failed', attempts: 2, error: 'webhook failed: timeout' })
    server?.closeAllConnections()
  })

  it('reports a receiver that is not listening', async () => {
    const r = await receiver(() => undefined)
    await new Promise<void>((done) => server?.close(() => done()))
    server = undefined
    const outcome = await sendWebhook(r.url, webhookBody(rule, 'firing', m, 0), fast)
    // Closed or open, filtered or not: the event says no more, so it cannot map ports.
    expect(outcome).toMatchObject({ status: 'failed', attempts: 3, error: 'webhook failed: cannot connect' })
  })

  it('stops retrying when cancelled (collector shutdown)', async () => {
    const r = await receiver((_n, _req, res) => res.writeHead(503).end())
    const stop = new AbortController()
    const sending = sendWebhook(r.url, webhookBody(rule, 'firing', m, 0), {
      ...fast,
      attempts: 10,
      backoffMs: 10_000,
      signal: stop.signal,
    })
    setTimeout(() => stop.abort(), 100)
    const started = Date.now()
    expect(await sending).toMatchObject({ status: 'failed', attempts: 1 })
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

// Issue 18, item 6: a rule's webhook could reach loopback, private networks and cloud metadata services
// (an SSRF, with the event log as a port scanner), and a URL with user:pass@ was logged with the password.
describe('sendWebhook: where a webhook may go', () => {
  const once = { timeoutMs: 3000, attempts: 3, backoffMs: 20 }
  const refused = { status: 'failed', attempts: 1, error: 'webhook refused: address not allowed' }

  it('refuses a loopback receiver unless private addresses are allowed, sending nothing', async () => {
    const r = await receiver((_n, _req, res) => res.writeHead(200).end())
    expect(await sendWebhook(r.url, webhookBody(rule, 'firing', m, 0), once)).toMatchObject(refused)
    expect(r.bodies).toHaveLength(0)
  })

  it('refuses a host name that resolves to loopback, checking the address it resolves to', async () => {
    const r = await receiver((_n, _req, res) => res.writeHead(200).end())
    const url = r.url.replace('127.0.0.1', 'localhost')
    const details: string[] = []
    const outcome = await sendWebhook(url, webhookBody(rule, 'firing', m, 0), {
      ...once,
      diagnose: (d) => details.push(d),
    })
    expect(outcome).toMatchObject(refused)
    expect(r.bodies).toHaveLength(0)
    // The collector's own log says why, for the operator; the event does not.
    expect(details.join('\n')).toMatch(/loopback.*--alert-allow-private-webhooks/)
  })

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/latest/meta-data/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://[fe80::1]/',
    'http://0.0.0.0/',
  ])('refuses %s even when private addresses are allowed', async (url) => {
    const outcome = await sendWebhook(url, webhookBody(rule, 'firing', m, 0), {
      ...once,
      allowPrivateAddresses: true,
    })
    expect(outcome).toMatchObject(refused)
  })

  it('refuses an answer that mixes a public address with a private one', async () => {
    const outcome = await sendWebhook('http://hooks.test/x', webhookBody(rule, 'firing', m, 0), {
      ...once,
      resolveHost: async () => [
        { address: '8.8.8.8', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
    })
    expect(outcome).toMatchObject(refused)
  })

  it('connects to the address it checked, so a second lookup (DNS rebinding) has nothing to win', async () => {
    const r = await receiver((_n, _req, res) => res.writeHead(200).end())
    let lookups = 0
    // hooks.test is no name the system can resolve: reaching the receiver proves the connection went to
    // the checked answer, looked up once per attempt.
    const outcome = await sendWebhook(
      r.url.replace('127.0.0.1', 'hooks.test'),
      webhookBody(rule, 'firing', m, 0),
      {
        ...fast,
        resolveHost: async () => {
          lookups++
          return [{ address: '127.0.0.1', family: 4 }]
        },
      },
    )
    expect(outcome).toMatchObject({ status: 'sent', attempts: 1 })
    expect(r.bodies).toHaveLength(1)
    expect(lookups).toBe(1)
  })

  it('never puts the credentials of a URL into the outcome or the diagnosis', async () => {
    const r = await receiver((_n, _req, res) => res.writeHead(200).end())
    const details: string[] = []
    const url = r.url.replace('http://', 'http://admin:hunter2@')
    const outcome = await sendWebhook(url, webhookBody(rule, 'firing', m, 0), {
      ...fast,
      diagnose: (d) => details.push(d),
    })
    expect(outcome.status).toBe('failed')
    expect(outcome.error).toMatch(/^webhook refused: /)
    expect(JSON.stringify(outcome) + details.join('\n')).not.toMatch(/hunter2|admin/)
    expect(r.bodies).toHaveLength(0)
  })

  it('does not follow a redirect', async () => {
    const r = await receiver((_n, _req, res) =>
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
    )
    const outcome = await sendWebhook(r.url, webhookBody(rule, 'firing', m, 0), fast)
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1, error: 'webhook failed: HTTP 302' })
    expect(r.bodies).toHaveLength(1)
  })
})
