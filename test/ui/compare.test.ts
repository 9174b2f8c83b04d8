/**
 * "Why is it slow?" in a real Chromium, served by a real collector that stored the checkout service's
 * planted causes (test/helpers/planted.ts) through the real ingestion path: a band dragged on the search
 * page's durations shows the comparison with the planted provider first; clicking it filters the search
 * by it; two ticked traces open their diff; a service page leads to the same comparison; the alert
 * history shows what a firing notification carried.
 */
import { mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { PLANTED, type PlantedRequest, sendPlanted } from '../helpers/planted.js'
import { postJson } from '../helpers/telemetry.js'
import { CHROMIUM, ensureUiBuilt, launchBrowser, recordTrouble, SCREENSHOTS } from './browser.js'

let collector: RunningCollector
let browser: Browser
let page: Page
let requests: PlantedRequest[]
let receiver: Server
const trouble = { dialogs: [] as string[], pageErrors: [] as string[], cspViolations: [] as string[] }

describe.skipIf(!CHROMIUM)('comparing requests in the browser', () => {
  beforeAll(async () => {
    ensureUiBuilt()
    receiver = createServer((_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    collector = await startCollector({
      args: ['--alert-interval', '300ms', '--alert-allow-private-webhooks'],
    })
    requests = await sendPlanted(collector.ingestUrl, { n: 80 })
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } })
    await recordTrouble(page, trouble)
    mkdirSync(SCREENSHOTS, { recursive: true })
  })
  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
    receiver?.close()
  })

  const url = (path: string) => `${collector.apiUrl}${path}`
  const slowIds = () => new Set(requests.filter((r) => r.slow).map((r) => r.trace.traceId))

  it('drag a band over the slow durations: the planted provider comes first', async () => {
    await page.goto(url(`/search?service=${PLANTED.service}`))
    const band = page.locator('[data-testid="duration-band"]')
    await band.waitFor()
    const box = (await band.boundingBox())!
    // The slow requests last 800–850 ms, the others under 100 ms: from 60% of the axis to its end.
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2, { steps: 5 })
    await page.mouse.move(box.x + box.width + 20, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await expect.poll(() => new URL(page.url()).searchParams.get('cmpMin')).not.toBeNull()
    const first = page.locator('[data-testid="compare-attribute"]').first()
    await expect
      .poll(() => first.getAttribute('data-attr'), { timeout: 15_000 })
      .toBe(`payment.provider=${PLANTED.slowProvider}`)
    const ops = await page
      .locator('[data-testid="compare-operation"]')
      .evaluateAll((els) => els.slice(0, 3).map((e) => e.getAttribute('data-operation')))
    expect(ops).toContain(`payments: ${PLANTED.retry}`)
    expect(ops).toContain(`payments: ${PLANTED.slowCall}`)
    expect(await page.locator('[data-testid="compare-log"]').first().textContent()).toContain(
      'provider slowpay timeout after <*> ms, retrying',
    )
    await page.screenshot({ path: join(SCREENSHOTS, 'compare-band.png') })
  })

  it('click the attribute: the search is filtered by it', async () => {
    await page.locator('[data-testid="compare-attribute"]').first().click()
    await expect
      .poll(() => new URL(page.url()).searchParams.getAll('attr'))
      .toEqual([`payment.provider=${PLANTED.slowProvider}`])
    const slowpay = new Set(
      requests.filter((r) => r.provider === PLANTED.slowProvider).map((r) => r.trace.traceId),
    )
    const rows = page.locator('[data-testid="trace-row"]')
    await expect.poll(() => rows.count()).toBe(slowpay.size)
    for (const id of await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-trace-id'))))
      expect(slowpay.has(id as string)).toBe(true)
  })

  it('tick a fast and a slow trace: their diff names the retry and the slowed call', async () => {
    const fast = requests.find((r) => !r.slow && !r.failing)!.trace.traceId
    const slow = requests.find((r) => r.slow)!.trace.traceId
    await page.goto(url(`/search?service=${PLANTED.service}`))
    for (const id of [fast, slow]) {
      const box = page.locator(`[data-testid="trace-row"][data-trace-id="${id}"] [data-testid="trace-pick"]`)
      await box.click()
      await expect.poll(() => box.isChecked()).toBe(true)
    }
    expect(page.url()).toContain('/search')
    await page.locator('[data-testid="open-diff"]').click()
    await page.waitForURL(new RegExp(`/diff/${fast}/${slow}`))
    const row = (name: string) => page.locator(`[data-testid="diff-row"][data-name="${name}"]`)
    await expect.poll(() => row(`payments: ${PLANTED.retry}`).getAttribute('data-change')).toBe('added')
    expect(await row(`payments: ${PLANTED.slowCall}`).getAttribute('data-change')).toBe('slower')
    expect(
      await row(`payments: ${PLANTED.slowCall}`).locator('[data-testid="diff-delta"]').textContent(),
    ).toMatch(/^\+7\d\d ms$/)
    expect(await page.locator('[data-testid="diff-counts"]').textContent()).toContain('1 only in B')
    await page.screenshot({ path: join(SCREENSHOTS, 'trace-diff.png') })
  })

  it("a service page's “failing requests” leads to the comparison with the bad version first", async () => {
    await page.goto(url(`/services/${PLANTED.service}`))
    await page.locator('[data-testid="why-failing"]').click()
    await page.waitForURL(/\/compare\?/)
    const first = page.locator('[data-testid="compare-attribute"]').first()
    await expect
      .poll(() => first.getAttribute('data-attr'), { timeout: 15_000 })
      .toBe(`service.version=${PLANTED.badVersion}`)
  })

  it('the alert history shows the evidence of a firing rule, its examples opening the trace', async () => {
    const res = await postJson(
      url('/api/v1/alerts/rules'),
      JSON.stringify({
        id: 'checkout-errors',
        name: 'checkout fails',
        service: PLANTED.service,
        errorRateAbove: 0.1,
        window: '1h',
        minRequests: 10,
        for: '0s',
        webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      }),
    )
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    await page.goto(url('/alerts'))
    const errors = page.locator('[data-testid="alert-evidence-errors"]').first()
    await expect
      .poll(
        async () => {
          if (!(await errors.count())) await page.reload()
          return errors.count()
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toBe(1)
    expect(await errors.textContent()).toContain(PLANTED.errorMessage)
    expect(await page.locator('[data-testid="alert-evidence-attributes"]').first().textContent()).toContain(
      `service.version=${PLANTED.badVersion}`,
    )
    const failing = new Set(requests.filter((r) => r.failing).map((r) => r.trace.traceId))
    const example = page.locator('[data-testid="alert-evidence-trace"]').first()
    const href = (await example.getAttribute('href')) ?? ''
    expect(failing.has(href.split('/').pop() ?? '')).toBe(true)
    await example.click()
    await page.waitForURL(new RegExp(href))
  })

  it('draws telemetry as text, with no dialog, page error or CSP violation', () => {
    expect(trouble).toEqual({ dialogs: [], pageErrors: [], cspViolations: [] })
    expect(slowIds().size).toBeGreaterThan(0)
  })
})
