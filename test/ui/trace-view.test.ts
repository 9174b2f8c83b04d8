import { join } from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'
import { nsAt, pushLogs, type SentTrace, type SpanSpec, traceSender } from '../helpers/telemetry.js'
import { CHROMIUM, ensureUiBuilt, launchBrowser, SCREENSHOTS } from './browser.js'

// The trace view's minimap, search and folds (issue 20, item 1) in a real Chromium, on a trace stored by a
// real collector through OTLP/HTTP and a Loki push: a request whose handler queries the database once per
// order (30 sequential SELECTs, the N+1 pattern), then charges a card that is declined.

const QUERIES = 30
/** Each query takes 8 ms, one 12 ms; they run one after another, 13 ms apart. */
const queryMs = (i: number) => (i === 7 ? 12 : 8)
const TOTAL_QUERY_MS = QUERIES * 8 + 4

let collector: RunningCollector
let browser: Browser
let page: Page
let sent: SentTrace
const pageErrors: string[] = []

describe.skipIf(!CHROMIUM)('trace view in a browser: minimap, search, folds', () => {
  beforeAll(async () => {
    ensureUiBuilt()
    collector = await startCollector()
    const sender = traceSender(collector.ingestUrl)
    const base = Date.now() - 60_000
    const queries: SpanSpec[] = Array.from({ length: QUERIES }, (_, i) => ({
      service: 'tv-orders',
      name: 'SELECT orders',
      at: 10 + i * 13,
      ms: queryMs(i),
      kind: SpanKind.CLIENT,
      attributes: { 'db.system': 'postgresql', 'db.statement': `SELECT * FROM orders WHERE id = $1` },
    }))
    sent = sender.trace(base, {
      service: 'tv-gateway',
      name: 'GET /orders',
      at: 0,
      ms: 440,
      kind: SpanKind.SERVER,
      children: [
        { service: 'tv-orders', name: 'list orders', at: 5, ms: 400, children: queries },
        {
          service: 'tv-payments',
          name: 'charge',
          at: 410,
          ms: 25,
          kind: SpanKind.SERVER,
          status: 'error',
          statusMessage: 'card declined',
          attributes: { 'payment.card': 'visa-4242' },
        },
      ],
    })
    await sender.flush()
    await sender.shutdown()
    await pushLogs(collector.ingestUrl, [
      {
        service: 'tv-payments',
        tsNs: nsAt(base + 420),
        msg: 'issuer refused the card: insufficient funds',
        level: 'warn',
        traceId: sent.traceId,
        spanId: sent.span('charge').spanId,
      },
    ])
    await eventually(async () => {
      const r = await getJson(`${collector.apiUrl}/api/v1/traces/${sent.traceId}`)
      return r.status === 200 && r.body.spans.length === QUERIES + 3 && r.body.logs.length === 1
    })
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('pageerror', (e) => pageErrors.push(String(e)))
  })

  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
  })

  const open = (query = '') => page.goto(`${collector.apiUrl}/traces/${sent.traceId}${query}`)
  const ticks = () => page.locator('[data-testid="ruler-tick"]').allTextContents()
  const param = (name: string) => new URL(page.url()).searchParams.get(name)
  const row = (name: string) =>
    page.locator(`[data-testid="waterfall-row"][data-span-id="${sent.span(name).spanId}"]`)
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })

  it('flags the N+1 in the header and folds the 30 queries into one row with their count and total', async () => {
    await open()
    const fold = page.locator('[data-testid="waterfall-fold"]')
    await fold.waitFor()
    expect(await page.locator('[data-testid="trace-n-plus-one"]').textContent()).toContain(
      `× ${QUERIES} SELECT orders`,
    )
    expect(await fold.locator('[data-testid="fold-count"]').textContent()).toBe(`× ${QUERIES}`)
    expect(await fold.locator('[data-testid="fold-stats"]').textContent()).toBe(
      `— total ${TOTAL_QUERY_MS} ms, max 12 ms`,
    )
    // The root, "list orders", the fold and the charge.
    expect(await page.locator('[data-testid="waterfall-row"]').count()).toBe(3)
    await shot('trace-fold')

    await fold.locator('[data-testid="waterfall-fold-toggle"]').click()
    await expect.poll(() => page.locator('[data-testid="waterfall-row"]').count()).toBe(3 + QUERIES)
    await fold.locator('[data-testid="waterfall-fold-toggle"]').click()
    await expect.poll(() => page.locator('[data-testid="waterfall-row"]').count()).toBe(3)
  })

  it('zooms into the range dragged across the minimap: the ruler and the bars follow', async () => {
    const before = await ticks()
    expect(before[0]).toBe('0')
    const box = (await page.locator('[data-testid="minimap-track"]').boundingBox())!
    const y = box.y + box.height / 2
    await page.mouse.move(box.x + box.width * 0.5, y)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.7, y, { steps: 5 })
    await page.mouse.move(box.x + box.width * 0.75, y, { steps: 5 })
    await page.mouse.up()
    await expect.poll(() => param('view')).toMatch(/^0\.5\d*-0\.7[45]\d*$/)
    // The URL changes before the ruler is drawn again: wait for the ruler itself.
    await expect.poll(ticks).not.toEqual(before)
    const after = await ticks()
    // 50%–75% of a 440 ms trace: the ruler reads from 220 ms to 330 ms.
    const ms = after.filter((t) => t).map((t) => Number.parseFloat(t))
    expect(Math.min(...ms)).toBeGreaterThanOrEqual(220)
    expect(Math.max(...ms)).toBeLessThanOrEqual(330)
    // The charge (410–435 ms) is outside the window: its row has no bar.
    expect(await row('charge').locator('.wf-bar').count()).toBe(0)
    expect(await row('list orders').locator('.wf-bar').getAttribute('class')).toContain('is-cut-start')
    await shot('trace-zoomed')
  })

  it('finds spans by attribute value and log text, counts them and dims the rest', async () => {
    const search = page.locator('[data-testid="trace-search"]')
    await search.fill('insufficient funds')
    await expect.poll(() => page.locator('[data-testid="trace-search-count"]').textContent()).toBe('1 match')
    expect(await row('charge').getAttribute('data-match')).toBe('true')
    expect(await row('GET /orders').getAttribute('class')).toContain('is-dimmed')
    await search.fill('VISA-4242')
    await expect.poll(() => row('charge').getAttribute('data-match')).toBe('true')
    expect(await page.locator('[data-testid="trace-search-count"]').textContent()).toBe('1 match')
  })

  it('steps through the matches, opening the fold that holds one', async () => {
    const search = page.locator('[data-testid="trace-search"]')
    await search.fill('orders')
    const count = page.locator('[data-testid="trace-search-count"]')
    // GET /orders, list orders and the 30 queries.
    await expect.poll(() => count.textContent()).toBe(`${QUERIES + 2} matches`)
    await page.locator('[data-testid="trace-search-next"]').click()
    await expect.poll(() => count.textContent()).toBe(`1 of ${QUERIES + 2}`)
    expect(param('span')).toBe(sent.span('GET /orders').spanId)
    // Two quick Enters, the second pressed before the first one's step is drawn, take two steps: both
    // are dispatched in one task, so no render can come between them.
    await search.evaluate((input) => {
      for (let i = 0; i < 2; i++)
        input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    })
    await expect.poll(() => count.textContent()).toBe(`3 of ${QUERIES + 2}`)
    const firstQuery = sent.spans.find((s) => s.spec.name === 'SELECT orders')!.spanId
    expect(param('span')).toBe(firstQuery)
    // The fold opened to show the match: every query has its row again.
    const selected = page.locator(`[data-testid="waterfall-row"][data-span-id="${firstQuery}"]`)
    await expect.poll(() => selected.getAttribute('aria-selected')).toBe('true')
    expect(await selected.getAttribute('data-match')).toBe('true')
    expect(await page.locator('[data-testid="span-detail-name"]').textContent()).toBe('SELECT orders')
    await search.press('Shift+Enter')
    await expect.poll(() => count.textContent()).toBe(`2 of ${QUERIES + 2}`)
    expect(param('span')).toBe(sent.span('list orders').spanId)
    await search.press('Enter')
    await expect.poll(() => count.textContent()).toBe(`3 of ${QUERIES + 2}`)
    await shot('trace-search')
  })

  it('restores the selected span, the window and the search on reload', async () => {
    const url = page.url()
    const ticksBefore = await ticks()
    const windowBefore = await page.locator('[data-testid="minimap-window"]').getAttribute('style')
    expect(param('q')).toBe('orders')
    await page.reload()
    await page.locator('[data-testid="span-detail-name"]').waitFor()
    expect(page.url()).toBe(url)
    expect(await page.locator('[data-testid="trace-search"]').inputValue()).toBe('orders')
    expect(await page.locator('[data-testid="trace-search-count"]').textContent()).toBe(`3 of ${QUERIES + 2}`)
    expect(await page.locator('[data-testid="span-detail-name"]').textContent()).toBe('SELECT orders')
    expect(await ticks()).toEqual(ticksBefore)
    expect(await page.locator('[data-testid="minimap-window"]').getAttribute('style')).toBe(windowBefore)
    const firstQuery = sent.spans.find((s) => s.spec.name === 'SELECT orders')!.spanId
    await expect
      .poll(() =>
        page
          .locator(`[data-testid="waterfall-row"][data-span-id="${firstQuery}"]`)
          .getAttribute('aria-selected'),
      )
      .toBe('true')
  })

  it('keeps only errors, with their parents as context, and resets the zoom', async () => {
    await page.locator('[data-testid="trace-search"]').fill('')
    // The box is controlled by URL state, redrawn a moment after the click: check() would see it unchanged.
    const errorsOnly = page.locator('[data-testid="trace-filter-errors"]')
    await errorsOnly.click()
    await expect.poll(() => errorsOnly.isChecked()).toBe(true)
    await expect.poll(() => page.locator('[data-testid="waterfall-row"]').count()).toBe(2)
    await expect
      .poll(() => page.locator('[data-testid="trace-filter-count"]').textContent())
      .toBe(`1 of ${QUERIES + 3} spans`)
    await expect.poll(() => row('GET /orders').getAttribute('class')).toContain('is-context')
    expect(param('errors')).toBe('1')
    await page.locator('[data-testid="trace-zoom-reset"]').click()
    await expect.poll(() => param('view')).toBeNull()
    await expect.poll(async () => (await ticks())[0]).toBe('0')
    expect(pageErrors).toEqual([])
  })

  it('shows the same trace in compact form, fetching a selected span whole with its log lines', async () => {
    await open('?compact=1')
    await page.locator('[data-testid="trace-compact"]').waitFor()
    expect(await page.locator('[data-testid="trace-span-count"]').textContent()).toBe(String(QUERIES + 3))
    expect(await page.locator('[data-testid="fold-count"]').textContent()).toBe(`× ${QUERIES}`)
    expect(await page.locator('[data-testid="trace-n-plus-one"]').textContent()).toContain(`× ${QUERIES}`)
    await row('charge').click()
    await expect
      .poll(() => page.locator('[data-testid="span-attributes"]').textContent())
      .toContain('visa-4242')
    expect(await page.locator('[data-testid="log-row"]').allTextContents()).toEqual([
      expect.stringContaining('insufficient funds'),
    ])
    const search = page.locator('[data-testid="trace-search"]')
    await search.fill('list')
    await expect.poll(() => page.locator('[data-testid="trace-search-count"]').textContent()).toBe('1 match')
    await shot('trace-compact')
    expect(pageErrors).toEqual([])
  })
})
