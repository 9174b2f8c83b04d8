/**
 * The logs page in a real Chromium, served by a real collector that stored a trace sent by the
 * OpenTelemetry SDK's OTLP/HTTP exporter and log lines sent as pino-loki sends them (Loki push): the
 * volume histogram's level totals are the API's counts, a drag across it zooms the page's range, a
 * pattern's click filters the list to that pattern's lines, "lines like this" does the same from a line,
 * and a line's trace link opens its trace with the line's span selected. Hostile lines stay text.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import { logPattern, type SeverityLevel, severityLevel } from '@skein/model'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'
import { type LogSpec, nsAt, pushLogs, type SentTrace, traceSender } from '../helpers/telemetry.js'
import { CHROMIUM, ensureUiBuilt, launchBrowser, recordTrouble, SCREENSHOTS } from './browser.js'

const HOSTILE = '<img src=x onerror="window.__pwned=1;alert(1)"> 42'
const SERVICE = 'logs-ui-shop'
const MIN = 60_000

let collector: RunningCollector
let browser: Browser
let page: Page
let sent: SentTrace
let lines: LogSpec[]
const dialogs: string[] = []
const pageErrors: string[] = []
// What the page was refused under the collector's Content-Security-Policy (the brush and tooltips of
// echarts draw with inline styles).
const cspViolations: string[] = []

describe.skipIf(!CHROMIUM)('the logs page in a browser', () => {
  beforeAll(async () => {
    ensureUiBuilt()
    collector = await startCollector()
    const now = Date.now()
    const sender = traceSender(collector.ingestUrl)
    // The trace 35 minutes ago, its order lines written inside its SELECT (10 to 30 ms into it).
    const t0 = now - 35 * MIN
    sent = sender.trace(t0, {
      service: SERVICE,
      name: 'GET /orders',
      kind: SpanKind.SERVER,
      at: 0,
      ms: 50,
      children: [{ service: SERVICE, name: 'SELECT orders', kind: SpanKind.CLIENT, at: 10, ms: 20 }],
    })
    await sender.flush()
    await sender.shutdown()
    const root = sent.span('GET /orders').spanId
    const child = sent.span('SELECT orders').spanId
    // Over the last 40 minutes, one kind of line after another so that a zoom keeps some and not others.
    const at = (minutesAgo: number, i: number) => nsAt(now - minutesAgo * MIN + i * 1000)
    lines = [
      ...Array.from({ length: 12 }, (_, i) => ({
        service: SERVICE,
        tsNs: nsAt(t0 + 12 + i),
        msg: `order ${100 + i} loaded`,
        level: 'info' as const,
        traceId: sent.traceId,
        spanId: child,
      })),
      ...Array.from({ length: 5 }, (_, i) => ({
        service: SERVICE,
        tsNs: at(25, i),
        msg: `payment ${i} declined for "card ${i}"`,
        level: 'error' as const,
      })),
      ...Array.from({ length: 7 }, (_, i) => ({
        service: SERVICE,
        tsNs: at(15, i),
        msg: `slow query took ${200 + i}ms`,
        level: 'warn' as const,
      })),
      ...Array.from({ length: 3 }, (_, i) => ({
        service: SERVICE,
        tsNs: at(8, i),
        msg: `cache state ${(0xdeadbeef + i).toString(16)}1`,
        level: 'debug' as const,
      })),
      { service: SERVICE, tsNs: at(5, 0), msg: 'disk full on /dev/sda1', level: 'fatal' },
      { service: SERVICE, tsNs: at(4, 0), msg: HOSTILE, level: 'warn' },
      { service: SERVICE, tsNs: at(4, 1), msg: HOSTILE.replace('42', '43'), level: 'warn' },
      // A line of the trace that names no span: its link opens the trace with nothing selected.
      { service: SERVICE, tsNs: at(3, 0), msg: 'request finished', level: 'info', traceId: sent.traceId },
      {
        service: SERVICE,
        tsNs: at(2, 0),
        msg: 'request started',
        level: 'info',
        traceId: sent.traceId,
        spanId: root,
      },
    ]
    await pushLogs(collector.ingestUrl, lines)
    await eventually(async () => {
      const r = await getJson(`${collector.apiUrl}/api/v1/logs?service=${SERVICE}&limit=1000`)
      return r.status === 200 && r.body.logs.length === lines.length
    })
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
    await recordTrouble(page, { dialogs, pageErrors, cspViolations })
    mkdirSync(SCREENSHOTS, { recursive: true })
  })

  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
  })

  const url = (path: string) => `${collector.apiUrl}${path}`
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })

  /** The totals beside the histogram, as the page shows them. */
  async function shownTotals(): Promise<Record<string, number>> {
    await page.locator('[data-testid="volume-total"]').first().waitFor()
    const entries = await page
      .locator('[data-testid="volume-total"]')
      .evaluateAll((els) =>
        els.map((el) => [
          el.getAttribute('data-level') ?? '',
          Number(el.querySelector('[data-testid="volume-total-count"]')?.textContent?.replace(/,/g, '')),
        ]),
      )
    return Object.fromEntries(entries)
  }

  /** The API's lines for a query string, counted by level as the UI's badges show them. */
  async function apiCounts(query: string): Promise<Record<string, number>> {
    const { body } = await getJson(url(`/api/v1/logs?${query}&limit=1000`))
    const out: Partial<Record<SeverityLevel, number>> = {}
    for (const l of body.logs) {
      const level = severityLevel(l.severityNumber, l.severityText)
      out[level] = (out[level] ?? 0) + 1
    }
    return out
  }

  const same = (a: Record<string, number>, b: Record<string, number>) =>
    JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())

  /** The page's query string without `view`, as the API takes it. */
  const apiQuery = () => {
    const q = new URL(page.url()).searchParams
    q.delete('view')
    return q.toString()
  }

  it("shows the volume stacked by level, each level's total the API's count of its lines", async () => {
    await page.goto(url(`/logs?service=${SERVICE}`))
    await page.locator('[data-testid="log-volume-chart"] canvas').first().waitFor()
    const shown = await shownTotals()
    expect(shown).toEqual({ info: 14, error: 5, warn: 9, debug: 3, fatal: 1 })
    expect(shown).toEqual(await apiCounts(`service=${SERVICE}&lookback=1h`))
    const { body } = await getJson(url(`/api/v1/logs/volume?service=${SERVICE}&lookback=1h`))
    expect(body.total).toBe(lines.length)
    await shot('logs-volume')
  })

  it('zooms into the range dragged across on the histogram, in the URL, and lists only its lines', async () => {
    const before = Date.now()
    const canvas = page.locator('[data-testid="log-volume-chart"]')
    const box = (await canvas.boundingBox())!
    // Over the grid (48 px left, 16 px right) of the last hour: from 30 to 12 minutes ago, which keeps the
    // payments (25 minutes ago) and slow queries (15) and leaves out the orders (35) and what came later.
    const grid = { left: box.x + 48, width: box.width - 64 }
    const y = box.y + box.height / 2
    await page.mouse.move(grid.left + grid.width * 0.5, y)
    await page.mouse.down()
    await page.mouse.move(grid.left + grid.width * 0.8, y, { steps: 12 })
    await page.mouse.up()
    await page.waitForURL(/start=.*end=/)
    // The tooltip of a bar, which echarts writes as HTML with inline styles.
    await page.mouse.move(grid.left + grid.width * 0.3, y)
    await page.mouse.move(grid.left + grid.width * 0.31, y)
    const q = new URL(page.url()).searchParams
    const [start, end] = [Date.parse(q.get('start')!), Date.parse(q.get('end')!)]
    expect(q.get('lookback')).toBeNull()
    expect(start).toBeGreaterThanOrEqual(before - 61 * MIN)
    expect(end).toBeLessThanOrEqual(Date.now())
    expect(end - start).toBeGreaterThan(10 * MIN)
    expect(end - start).toBeLessThan(30 * MIN)
    await page.locator('[data-testid="logs-list"], [data-testid="state-empty"]').first().waitFor()
    await eventually(async () => same(await shownTotals(), { error: 5, warn: 7 }))
    expect(await shownTotals()).toEqual(await apiCounts(apiQuery()))
    const stamps = await page
      .locator('[data-testid="log-line"] .ll-time')
      .evaluateAll((els) => els.map((el) => el.textContent ?? ''))
    const { body } = await getJson(url(`/api/v1/logs?${apiQuery()}&limit=1000`))
    expect(stamps).toHaveLength(body.logs.length)
    for (const l of body.logs) {
      const t = Date.parse(l.timestamp)
      expect(t).toBeGreaterThanOrEqual(start)
      expect(t).toBeLessThan(end)
    }
    expect(body.logs.length).toBeLessThan(lines.length)
    await shot('logs-zoomed')
  })

  it('groups the lines into patterns, and a click on one lists exactly its lines', async () => {
    await page.goto(url(`/logs?service=${SERVICE}&view=patterns`))
    const rows = page.locator('[data-testid="pattern-row"]')
    await rows.first().waitFor()
    const texts = await page.locator('[data-testid="pattern-text"]').allTextContents()
    expect(texts).toContain('order <*> loaded')
    expect(texts).toContain('payment <*> declined for "<*>"')
    expect(texts).toContain('slow query took <*>')
    const order = rows.filter({
      has: page.locator('[data-testid="pattern-text"]', { hasText: /^order <\*> loaded$/ }),
    })
    expect(await order.getAttribute('data-count')).toBe('12')
    await shot('logs-patterns')
    await order.click()
    await page.waitForURL((u) => u.searchParams.get('pattern') === 'order <*> loaded')
    expect(new URL(page.url()).searchParams.get('view')).toBeNull()
    await eventually(async () => (await page.locator('[data-testid="log-line"]').count()) === 12)
    const bodies = await page.locator('[data-testid="log-line"] .ll-body').allTextContents()
    expect(bodies.every((b) => /^order \d+ loaded$/.test(b))).toBe(true)
    expect(await page.locator('[data-testid="pattern-filter"]').textContent()).toContain('order <*> loaded')
    await eventually(async () => same(await shownTotals(), { info: 12 }))
    await shot('logs-pattern-filter')
    await page.locator('[data-testid="pattern-filter-clear"]').click()
    await page.waitForURL((u) => !u.searchParams.has('pattern'))
    await eventually(async () => (await page.locator('[data-testid="log-line"]').count()) === lines.length)
  })

  it('filters to the pattern of an opened line with "lines like this"', async () => {
    const line = page.locator('[data-testid="log-line"]', { hasText: 'slow query took 203ms' })
    await line.locator('.ll-row').click()
    await line.locator('[data-testid="log-similar"]').click()
    await page.waitForURL((u) => u.searchParams.get('pattern') === logPattern('slow query took 203ms'))
    await eventually(async () => (await page.locator('[data-testid="log-line"]').count()) === 7)
  })

  it("opens a line's trace from its trace id with the line's span selected", async () => {
    await page.goto(url(`/logs?service=${SERVICE}&q=order+105+loaded`))
    const link = page.locator('[data-testid="log-trace-link"]')
    await link.waitFor()
    const child = sent.span('SELECT orders').spanId
    expect(await link.getAttribute('href')).toBe(`/traces/${sent.traceId}?span=${child}`)
    await link.click()
    await page.waitForURL(new RegExp(`/traces/${sent.traceId}\\?span=${child}`))
    const row = page.locator(`[data-testid="waterfall-row"][data-span-id="${child}"]`)
    await row.waitFor()
    await eventually(async () => (await row.getAttribute('aria-selected')) === 'true')
    // The trace's logs panel marks the lines of that span: the order lines.
    const marked = page.locator('[data-testid="log-row"][data-highlighted="true"]')
    await marked.first().waitFor()
    expect(await marked.first().textContent()).toMatch(/order \d+ loaded/)
    expect(
      await page.locator(`[data-testid="waterfall-row"][aria-selected="true"]`).count(),
      "only the line's span is selected",
    ).toBe(1)
    await shot('logs-trace-span')
  })

  it('links a line that names no span to its trace alone', async () => {
    await page.goto(url(`/logs?service=${SERVICE}&q=request+finished`))
    const link = page.locator('[data-testid="log-trace-link"]')
    await link.waitFor()
    expect(await link.getAttribute('href')).toBe(`/traces/${sent.traceId}`)
  })

  it('shows hostile lines and their pattern as text and runs nothing', async () => {
    await page.goto(url(`/logs?service=${SERVICE}&view=patterns`))
    const hostile = page.locator('[data-testid="pattern-text"]', { hasText: '<img src=x' })
    await hostile.waitFor()
    expect(await hostile.textContent()).toBe(logPattern(HOSTILE))
    await hostile.click()
    await eventually(async () => (await page.locator('[data-testid="log-line"]').count()) === 2)
    expect(await page.locator('[data-testid="log-line"] .ll-body').allTextContents()).toContain(HOSTILE)
    expect(await page.locator('img').count()).toBe(0)
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(dialogs).toEqual([])
    expect(pageErrors).toEqual([])
    expect(cspViolations).toEqual([])
  })
})
