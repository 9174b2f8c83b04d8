import { join } from 'node:path'
import { SpanKind } from '@opentelemetry/api'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'
import { type SentTrace, traceSender } from '../helpers/telemetry.js'
import { CHROMIUM, ensureUiBuilt, launchBrowser, SCREENSHOTS } from './browser.js'

// Regression (issue 18, item 2): with --query-token every API call of the bundled UI was a 401 and there was
// no way to give the token. A real collector started with the flag, a real Chromium.
const TOKEN = 'ui-s3cret-token'
const TOKEN_KEY = 'skein.queryToken'

let collector: RunningCollector
let browser: Browser
let context: BrowserContext
let page: Page
let sent: SentTrace
const pageErrors: string[] = []
// Every /api/v1 call the page made, with the Authorization header it carried.
const apiCalls: Array<{ path: string; authorization: string | undefined }> = []

describe.skipIf(!CHROMIUM)('web UI sign-in with --query-token', () => {
  beforeAll(async () => {
    ensureUiBuilt()
    collector = await startCollector({ args: ['--query-token', TOKEN] })
    const sender = traceSender(collector.ingestUrl)
    sent = sender.trace(Date.now() - 30_000, {
      service: 'auth-gateway',
      name: 'GET /account',
      at: 0,
      ms: 40,
      kind: SpanKind.SERVER,
      children: [{ service: 'auth-users', name: 'SELECT users', at: 5, ms: 20, kind: SpanKind.CLIENT }],
    })
    await sender.flush()
    await sender.shutdown()
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } }
    await eventually(async () => {
      const r = await getJson(`${collector.apiUrl}/api/v1/traces/${sent.traceId}`, auth)
      return r.status === 200 && r.body.spans.length === 2
    })
    browser = await launchBrowser()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    page = await context.newPage()
    page.on('pageerror', (e) => pageErrors.push(String(e)))
    page.on('request', (r) => {
      const u = new URL(r.url())
      if (u.pathname.startsWith('/api/'))
        apiCalls.push({ path: u.pathname, authorization: r.headers().authorization })
    })
  })

  afterAll(async () => {
    await browser?.close()
    await collector?.stop()
  })

  const url = (path: string) => `${collector.apiUrl}${path}`
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
  const signIn = (p: Page = page) => p.locator('[data-testid="sign-in"]')
  const tokenField = (p: Page = page) => p.getByLabel('Access token')
  const signInButton = (p: Page = page) => p.getByRole('button', { name: 'Sign in' })
  const signOutButton = () => page.getByRole('button', { name: 'Sign out' })
  const traceRow = () => page.locator(`[data-testid="trace-row"][data-trace-id="${sent.traceId}"]`)
  const stored = (p: Page = page) =>
    p.evaluate(
      (key) => ({ session: sessionStorage.getItem(key), local: localStorage.getItem(key) }),
      TOKEN_KEY,
    )

  it('asks for the token when the API answers 401, on the page the user opened', async () => {
    await page.goto(url('/'))
    await page.waitForURL(/\/search/)
    await signIn().waitFor()
    expect(await tokenField().getAttribute('type')).toBe('password')
    expect(await signInButton().isVisible()).toBe(true)
    expect(await traceRow().count()).toBe(0)
    expect(await signOutButton().count()).toBe(0)
    await shot('sign-in')
  })

  it('says so when the token is wrong, and keeps nothing', async () => {
    await tokenField().fill('not-the-token')
    await signInButton().click()
    const error = page.locator('[data-testid="sign-in-error"]')
    await error.waitFor()
    expect(await error.textContent()).toMatch(/not accepted/i)
    expect(await signIn().isVisible()).toBe(true)
    expect(await stored()).toEqual({ session: null, local: null })
    await shot('sign-in-wrong-token')
  })

  it('shows the traces page with data once the right token is given, sent as a bearer header', async () => {
    await tokenField().fill(TOKEN)
    const before = apiCalls.length
    await signInButton().click()
    await traceRow().waitFor()
    expect(page.url()).toMatch(/\/search/)
    expect(await signIn().count()).toBe(0)
    expect(await signOutButton().isVisible()).toBe(true)
    // Kept for the tab only: sessionStorage, never localStorage.
    expect(await stored()).toEqual({ session: TOKEN, local: null })
    const after = apiCalls.slice(before)
    expect(after.length).toBeGreaterThan(0)
    expect(after.filter((c) => c.authorization !== `Bearer ${TOKEN}`)).toEqual([])
  })

  it('stays signed in across a reload', async () => {
    const before = apiCalls.length
    await page.reload()
    await traceRow().waitFor()
    expect(await signIn().count()).toBe(0)
    expect(apiCalls.slice(before).every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(true)
    await shot('signed-in-search')
  })

  it('asks again in another tab: the token belongs to the tab that was signed in', async () => {
    const other = await context.newPage()
    try {
      await other.goto(url('/search'))
      await signIn(other).waitFor()
      expect(await stored(other)).toEqual({ session: null, local: null })
    } finally {
      await other.close()
    }
  })

  it('signs out from the header back to the sign-in screen, and stays signed out on reload', async () => {
    await signOutButton().click()
    await signIn().waitFor()
    expect(await page.locator('[data-testid="sign-in-notice"]').textContent()).toMatch(/signed out/i)
    expect(await traceRow().count()).toBe(0)
    expect(await stored()).toEqual({ session: null, local: null })
    await page.reload()
    await signIn().waitFor()
    expect(await traceRow().count()).toBe(0)
  })

  it('returns to the page the user was on after signing in', async () => {
    const span = sent.span('SELECT users').spanId
    await page.goto(url(`/traces/${sent.traceId}?span=${span}`))
    await signIn().waitFor()
    await tokenField().fill(TOKEN)
    await tokenField().press('Enter')
    await page.locator('[data-testid="span-detail-name"]').waitFor()
    expect(await page.locator('[data-testid="span-detail-name"]').textContent()).toBe('SELECT users')
    expect(await page.locator('[data-testid="waterfall-row"]').count()).toBe(2)
    expect(page.url()).toBe(url(`/traces/${sent.traceId}?span=${span}`))
  })

  it('signs out with a clear message when the kept token stops being accepted', async () => {
    await page.evaluate((key) => sessionStorage.setItem(key, 'rotated-away'), TOKEN_KEY)
    await page.reload()
    await signIn().waitFor()
    expect(await page.locator('[data-testid="sign-in-notice"]').textContent()).toMatch(/not accepted/i)
    expect(await stored()).toEqual({ session: null, local: null })
    expect(pageErrors).toEqual([])
  })
})
