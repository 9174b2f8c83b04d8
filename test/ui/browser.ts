/**
 * A real Chromium for the UI tests and the UI benchmark: Debian's /usr/bin/chromium (or CHROMIUM_PATH),
 * driven by playwright-core. Also makes sure ui/dist exists, since the collector serves it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { REPO_ROOT } from '../helpers/collector.js'

export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
)

export const SCREENSHOTS = join(REPO_ROOT, 'test-results/screenshots')

export function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('no Chromium found: install Debian chromium or set CHROMIUM_PATH')
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

/** Builds the UI when ui/dist is missing (a fresh clone after `npm install --ignore-scripts`). */
export function ensureUiBuilt(): void {
  if (existsSync(join(REPO_ROOT, 'ui/dist/index.html'))) return
  // Vitest sets NODE_ENV=test; Vite would inherit it and ship React's development build.
  execFileSync('npm', ['run', 'build', '-w', 'ui'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  })
}

/**
 * Collects what hostile telemetry must never cause on a page: dialogs (dismissed), uncaught page errors
 * and Content-Security-Policy violations (from the console and the `securitypolicyviolation` event).
 */
export async function recordTrouble(
  page: Page,
  into: { dialogs: string[]; pageErrors: string[]; cspViolations: string[] },
): Promise<void> {
  page.on('dialog', (d) => {
    into.dialogs.push(d.message())
    void d.dismiss()
  })
  page.on('pageerror', (e) => into.pageErrors.push(String(e)))
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) into.cspViolations.push(m.text())
  })
  await page.exposeFunction('__cspViolation', (v: string) => into.cspViolations.push(v))
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as unknown as { __cspViolation(v: string): void }).__cspViolation(
        `${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`,
      ),
    ),
  )
}
