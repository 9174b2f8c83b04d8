import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Shop, sendShop } from '../../collector/test/query/shop-fixture.js'
import { type RunningCollector, startCollector, stored } from '../helpers/collector.js'
import { CHROMIUM, ensureUiBuilt, launchBrowser, recordTrouble, SCREENSHOTS } from './browser.js'

// The trace search page's TraceQL box in a real Chromium, on a real collector holding a shop's traces sent
// with the OTLP exporter: the form's query shown as TraceQL, a structural query run from the box, the
// server's refusal of unsupported TraceQL shown as text, hostile text in a query kept as text.
let collector: RunningCollector
let browser: Browser
let page: Page
let shop: Shop
const trouble = { dialogs: [] as string[], pageErrors: [] as string[], cspViolations: [] as string[] }

describe.skipIf(!CHROMIUM)('the TraceQL box of the trace search page', () => {
  beforeAll(async () => {
    ensureUiBuilt()
    collector = await startCollector()
    shop = await sendShop(collector.ingestUrl)
    await stored(collector.ingestUrl)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await recordTrouble(page, trouble)
  })

  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
  })

  const rowIds = () =>
    page
      .locator('[data-testid="traceql-results"] [data-testid="trace-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-trace-id')))

  it('shows the form’s query as TraceQL', async () => {
    await page.goto(`${collector.apiUrl}/search?service=orders&status=error&minDurationMs=100`)
    await expect
      .poll(() => page.getByTestId('traceql-of-form').textContent())
      .toBe('{ resource.service.name = "orders" && status = error && traceDuration >= 100ms }')
  })

  it('runs a structural query from the box and lists only the traces it matches', async () => {
    await page.getByTestId('traceql-edit').click()
    const q = '{ resource.service.name = "gateway" } >> { resource.service.name = "db" }'
    await page.getByTestId('traceql-input').fill(q)
    await page.getByTestId('traceql-run').click()
    await expect.poll(rowIds).toEqual([shop.orders.traceId])
    expect(new URL(page.url()).searchParams.get('traceql')).toBe(q)
    await expect
      .poll(() => page.getByTestId('traceql-results').textContent())
      .toContain('1 trace, 1 matching span')
    await page.screenshot({ path: join(SCREENSHOTS, 'traceql-box.png') })
  })

  it('shows the server’s refusal of unsupported TraceQL, naming the construct, as text', async () => {
    await page.getByTestId('traceql-input').fill('{ name = "a" } | count() > 1')
    await page.getByTestId('traceql-run').click()
    await expect.poll(() => page.getByTestId('state-error').textContent()).toContain('count()')
  })

  it('keeps hostile text in a query as text', async () => {
    await page.getByTestId('traceql-input').fill('{ name = "<img src=x onerror=alert(1)>" }')
    await page.getByTestId('traceql-run').click()
    await expect.poll(() => page.getByTestId('state-empty').textContent()).toContain('No traces match')
    expect(trouble).toEqual({ dialogs: [], pageErrors: [], cspViolations: [] })
  })

  it('goes back to the form, which the box then shows again', async () => {
    await page.getByTestId('traceql-close').click()
    await expect.poll(() => page.getByTestId('traceql-of-form').isVisible()).toBe(true)
    expect(new URL(page.url()).searchParams.has('traceql')).toBe(false)
  })
})
