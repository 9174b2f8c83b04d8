/**
 * A firing alert carries evidence: a real collector evaluating every 300 ms, the checkout service's
 * planted causes (test/helpers/planted.ts) sent through OTLP/HTTP and Loki push, and a real HTTP webhook
 * receiver started here. The error-rate rule fires on the failing requests (all of one service.version);
 * its notification names example traces that exist and fail, with links under --public-url, the planted
 * error message, and the version at the top of the comparison; the alert history has the same.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'
import { PLANTED, sendPlanted } from '../helpers/planted.js'
import { postJson } from '../helpers/telemetry.js'

const PUBLIC_URL = 'https://skein.example.org/ops'
let collector: RunningCollector
let receiver: Server
let hookUrl: string
const bodies: any[] = []

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = ''
    req.on('data', (d) => {
      text += d
    })
    req.on('end', () => {
      bodies.push(JSON.parse(text))
      res.end('ok')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  collector = await startCollector({
    args: ['--alert-interval', '300ms', '--alert-allow-private-webhooks', '--public-url', PUBLIC_URL],
  })
  await sendPlanted(collector.ingestUrl, { n: 120, endMs: Date.now() - 1000, spreadMs: 4 * 60_000 })
})
afterAll(async () => {
  await collector?.stop()
  receiver?.close()
})

describe('a firing notification', () => {
  it('carries example traces that exist and fail, the planted error message and the top attribute', async () => {
    const res = await postJson(
      `${collector.apiUrl}/api/v1/alerts/rules`,
      JSON.stringify({
        id: 'checkout-errors',
        name: 'checkout fails',
        service: PLANTED.service,
        errorRateAbove: 0.1,
        window: '10m',
        minRequests: 10,
        for: '0s',
        webhookUrl: hookUrl,
      }),
    )
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const body = await eventually(async () => bodies.find((b) => b.state === 'firing'), 20_000)
    const { evidence } = body
    expect(evidence.exampleTraces.length).toBeGreaterThan(0)
    for (const ex of evidence.exampleTraces) {
      expect(ex.url).toBe(`${PUBLIC_URL}/traces/${ex.traceId}`)
      expect(ex.statusMessage).toBe(PLANTED.errorMessage)
      const trace = await getJson(`${collector.apiUrl}/api/v1/traces/${ex.traceId}`)
      expect(trace.status).toBe(200)
      expect(trace.body.spans.some((s: any) => s.statusCode === 'Error')).toBe(true)
    }
    expect(evidence.topErrors[0].message).toBe(PLANTED.errorMessage)
    expect(evidence.attributes[0]).toEqual(
      expect.objectContaining({ key: 'service.version', value: PLANTED.badVersion, selectionShare: 1 }),
    )
    expect(evidence.logs[0].pattern).toBe(`checkout failed: ${PLANTED.errorMessage} on sku-<*>`)
    expect(evidence.compareUrl.startsWith(`${PUBLIC_URL}/compare?service=checkout&`)).toBe(true)
    // Slack-compatible receivers show `text` alone: the top attribute and the first example's link.
    expect(body.text).toContain(`service.version=${PLANTED.badVersion}`)
    expect(body.text).toContain(evidence.exampleTraces[0].url)

    // The event is stored before the notification goes out, then again with its outcome and evidence.
    const firing = await eventually(async () => {
      const { body: history } = await getJson(
        `${collector.apiUrl}/api/v1/alerts/events?ruleId=checkout-errors`,
      )
      return history.events.find((e: any) => e.kind === 'firing' && e.notification?.status === 'sent')
    })
    expect(firing.evidence).toEqual(evidence)
  })
})
