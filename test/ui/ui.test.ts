import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'
import { nsAt, pushLogs, type SentTrace, traceSender } from '../helpers/telemetry.js'
import { CHROMIUM, ensureUiBuilt, launchBrowser, recordTrouble, SCREENSHOTS } from './browser.js'

// The web UI in a real Chromium, served by a real collector that stored telemetry sent through the real
// ingestion path (OpenTelemetry SDK exporters over OTLP/HTTP, pino-loki-shaped Loki pushes).
const HOSTILE = '<img src=x onerror="window.__pwned=1;alert(1)">'

let collector: RunningCollector
let browser: Browser
let page: Page
let sent: SentTrace
const dialogs: string[] = []
const pageErrors: string[] = []
// What the page was refused under the collector's Content-Security-Policy (event and console message).
const cspViolations: string[] = []
const LOGS = 4

describe.skipIf(!CHROMIUM)('web UI in a browser', () => {
  beforeAll(async () => {
    ensureUiBuilt()
    collector = await startCollector()
    const sender = traceSender(collector.ingestUrl)
    const base = Date.now() - 60_000
    sent = sender.trace(base, {
      service: 'ui-gateway',
      name: 'GET /checkout',
      at: 0,
      ms: 120,
      kind: SpanKind.SERVER,
      children: [
        {
          service: 'ui-orders',
          name: 'POST /orders',
          at: 10,
          ms: 80,
          kind: SpanKind.SERVER,
          attributes: { 'order.note': HOSTILE, 'http.method': 'POST' },
          children: [{ service: 'ui-orders', name: 'INSERT orders', at: 20, ms: 30, kind: SpanKind.CLIENT }],
        },
        {
          service: 'ui-payments',
          name: 'charge',
          at: 95,
          ms: 20,
          status: 'error',
          statusMessage: 'card declined',
        },
      ],
    })
    await sender.flush()
    await sender.shutdown()
    const at = (name: string) => sent.span(name)
    await pushLogs(collector.ingestUrl, [
      {
        service: 'ui-gateway',
        tsNs: nsAt(base + 1),
        msg: 'checkout started',
        traceId: sent.traceId,
        spanId: at('GET /checkout').spanId,
      },
      {
        service: 'ui-orders',
        tsNs: nsAt(base + 25),
        msg: 'inserting order',
        traceId: sent.traceId,
        spanId: at('INSERT orders').spanId,
      },
      {
        service: 'ui-orders',
        tsNs: nsAt(base + 60),
        msg: HOSTILE,
        level: 'warn',
        traceId: sent.traceId,
        spanId: at('POST /orders').spanId,
      },
      {
        service: 'ui-payments',
        tsNs: nsAt(base + 100),
        msg: 'card declined',
        level: 'error',
        traceId: sent.traceId,
        spanId: at('charge').spanId,
      },
    ])
    await eventually(async () => {
      const r = await getJson(`${collector.apiUrl}/api/v1/traces/${sent.traceId}`)
      return r.status === 200 && r.body.spans.length === 4 && r.body.logs.length === LOGS
    })
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await recordTrouble(page, { dialogs, pageErrors, cspViolations })
    mkdirSync(SCREENSHOTS, { recursive: true })
  })

  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
  })

  const url = (path: string) => `${collector.apiUrl}${path}`
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false })
  const waterfallRow = (name: string) =>
    page.locator(`[data-testid="waterfall-row"][data-span-id="${sent.span(name).spanId}"]`)

  it('finds the trace in search and lists it with its span count and error badge', async () => {
    await page.goto(url('/'))
    await page.waitForURL(/\/search/)
    const row = page.locator(`[data-testid="trace-row"][data-trace-id="${sent.traceId}"]`)
    await row.waitFor()
    expect(await row.locator('[data-testid="trace-row-spans"]').textContent()).toBe('4')
    expect(await row.locator('[data-testid="trace-row-errors"]').textContent()).toBe('1 error')
    await page.locator('[data-testid="trace-scatter"] canvas').first().waitFor()
    // No --query-token: no sign-in screen and nothing to sign out of (test/ui/signin.test.ts has the token).
    expect(await page.locator('[data-testid="sign-in"]').count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0)
    await shot('search')
  })

  it('opens the trace: the waterfall has every span and the logs panel every line', async () => {
    await page.locator(`[data-testid="trace-row"][data-trace-id="${sent.traceId}"]`).click()
    await page.waitForURL(new RegExp(`/traces/${sent.traceId}`))
    await page.locator('[data-testid="waterfall-row"]').first().waitFor()
    expect(await page.locator('[data-testid="waterfall-row"]').count()).toBe(4)
    expect(await page.locator('[data-testid="trace-span-count"]').textContent()).toBe('4')
    expect(await page.locator('[data-testid="log-row"]').count()).toBe(LOGS)
    expect(await page.locator('[data-testid="trace-root-name"]').textContent()).toBe('GET /checkout')
    await shot('trace')
  })

  it('selects the span that wrote a log line when the line is clicked', async () => {
    const insert = sent.span('INSERT orders').spanId
    await page.locator(`[data-testid="log-row"][data-span-id="${insert}"]`).click()
    await expect.poll(() => waterfallRow('INSERT orders').getAttribute('aria-selected')).toBe('true')
    expect(await page.locator('[data-testid="span-detail-name"]').textContent()).toBe('INSERT orders')
    expect(page.url()).toContain(`span=${insert}`)
  })

  it('shows a hostile attribute and log line as text and runs nothing', async () => {
    await waterfallRow('POST /orders').click()
    const attrs = page.locator('[data-testid="span-attributes"]')
    await attrs.waitFor()
    expect(await attrs.textContent()).toContain(HOSTILE)
    expect(await page.locator('[data-testid="logs-panel"]').textContent()).toContain(HOSTILE)
    expect(await page.locator('img').count()).toBe(0)
    await shot('trace-span-selected')
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(dialogs).toEqual([])
  })

  it('reloads a deep link to the same view', async () => {
    const pay = sent.span('charge').spanId
    await page.goto(url(`/traces/${sent.traceId}?span=${pay}&cp=1`))
    await page.reload()
    await page.locator('[data-testid="span-detail-name"]').waitFor()
    expect(await page.locator('[data-testid="span-detail-name"]').textContent()).toBe('charge')
    expect(await page.locator('[data-testid="critical-path-toggle"]').getAttribute('aria-pressed')).toBe(
      'true',
    )

    await page.goto(url('/search?service=ui-orders&status=error&lookback=6h'))
    await page.reload()
    await page.locator('[data-testid="search-form"]').waitFor()
    await expect.poll(() => page.locator('[data-testid="service-select"]').inputValue()).toBe('ui-orders')
    expect(await page.locator('[data-testid="status-select"]').inputValue()).toBe('error')
    expect(await page.locator('[data-testid="time-range"]').inputValue()).toBe('6h')
  })

  it('renders every page without a script error, and screenshots each', async () => {
    const pages: Array<[string, string, string]> = [
      ['logs', `/logs?traceId=${sent.traceId}&lookback=6h`, '[data-testid="log-line"]'],
      ['slow', '/slow?lookback=6h', '[data-testid="slow-span-row"]'],
      ['services', '/services?lookback=6h', '[data-testid="service-card"]'],
      ['service', '/services/ui-orders?lookback=6h', '[data-testid="red-charts"]'],
      ['map', '/map?lookback=6h', '[data-testid="service-map"], [data-testid="state-empty"]'],
      [
        'alerts',
        '/alerts',
        '[data-testid="alert-rules"], [data-testid="state-empty"], [data-testid="state-error"]',
      ],
    ]
    for (const [name, path, ready] of pages) {
      await page.goto(url(path))
      await page.locator(ready).first().waitFor()
      await page.waitForTimeout(300) // let charts finish their first paint before the screenshot
      await shot(name)
    }
    expect(await page.locator('[data-testid="state-error"]').count()).toBe(0)
    expect(pageErrors).toEqual([])
    expect(dialogs).toEqual([])
  })

  // Issue 18, item 7: the query port now sends a Content-Security-Policy (no inline script, no eval);
  // the built UI, its charts and their tooltips must run under it without a single refusal.
  it('runs under the Content-Security-Policy of the query port without a violation', async () => {
    const res = await page.goto(url('/services/ui-orders?lookback=6h'))
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'")
    const chart = page.locator('[data-testid="red-charts"] canvas').first()
    await chart.waitFor()
    const box = await chart.boundingBox()
    if (box) {
      for (const f of [0.3, 0.5, 0.7]) await page.mouse.move(box.x + box.width * f, box.y + box.height / 2)
    }
    // echarts writes its tooltip with innerHTML and inline styles: the part of the UI a CSP is most
    // likely to break.
    await page.locator('[data-testid="red-charts"] .tt').first().waitFor()
    await page.goto(url('/search?lookback=6h'))
    await page.locator('[data-testid="trace-scatter"] canvas').first().waitFor()
    await page.goto(url('/map?lookback=6h'))
    await page.locator('[data-testid="service-map"], [data-testid="state-empty"]').first().waitFor()
    await page.waitForTimeout(300)
    expect(cspViolations).toEqual([])
    expect(pageErrors).toEqual([])
  })
})
