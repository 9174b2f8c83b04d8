/**
 * `npm run bench:ui`: time to interactive of the trace view for 1,000, 10,000 and 100,000-span traces, in
 * a real Chromium against the built UI (ui/dist).
 *
 * The API is a tiny fake served from this process: the figure is the UI's (fetch + JSON parse + tree + first
 * render), not the storage's, so each trace is generated once and served from memory.
 *
 * Per run, a fresh page opens /traces/<id> and we time, in the page, from navigation start to:
 *   - ready: the waterfall shows its rows and the header the right span count;
 *   - select: a click on a row until the span detail shows it (interaction latency on the loaded trace);
 *   - collapse: "Collapse all" then "Expand all" until every row is back (re-flattening the whole tree).
 *
 * Env: BENCH_UI_RUNS (default 5), BENCH_UI_SIZES (default 1000,10000,100000).
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { REPO_ROOT } from '../test/helpers/collector.js'
import { ensureUiBuilt, launchBrowser } from '../test/ui/browser.js'
import { median, record } from './lib/results.js'

const RUNS = Number(process.env.BENCH_UI_RUNS ?? 5)
const SIZES = (process.env.BENCH_UI_SIZES ?? '1000,10000,100000').split(',').map(Number)
const DIST = join(REPO_ROOT, 'ui/dist')
const SERVICES = ['gateway', 'orders', 'payments', 'inventory', 'shipping', 'users', 'search', 'email']
const T0 = BigInt(Date.now() - 60_000) * 1_000_000n

/** Fails a step that takes longer than a minute, naming it, rather than hanging the benchmark. */
function step<T>(name: string, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`step "${name}" took over 60 s`)), 60_000),
    ),
  ])
}

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0').slice(-len)

/** A realistic-shaped trace: fan-out of up to 8 children per span, 5% errors, one log line per 4 spans. */
function makeTrace(n: number, seed: number) {
  const traceId = hex(seed, 8).repeat(4)
  const spans: unknown[] = []
  const logs: unknown[] = []
  const ends: number[] = []
  const starts: number[] = []
  for (let i = 0; i < n; i++) {
    const parent = i === 0 ? -1 : Math.floor((i - 1) / 8)
    const start =
      parent < 0 ? 0 : starts[parent] + ((i * 7919) % Math.max(1, ends[parent] - starts[parent] - 1000))
    const dur = parent < 0 ? 5_000_000_000 : Math.max(1000, Math.floor((ends[parent] - start) * 0.6))
    starts.push(start)
    ends.push(start + dur)
    const service = SERVICES[(parent < 0 ? 0 : (i >> 3) + 1) % SERVICES.length]
    const startNs = (T0 + BigInt(start)).toString()
    spans.push({
      traceId,
      spanId: hex(i + 1, 16),
      parentSpanId: parent < 0 ? '' : hex(parent + 1, 16),
      service,
      name: `${service} op ${i % 37}`,
      kind: i % 2 ? 'Client' : 'Server',
      startNs,
      start: new Date(Number((T0 + BigInt(start)) / 1_000_000n)).toISOString(),
      durationNs: String(dur),
      durationMs: dur / 1e6,
      statusCode: i % 20 === 7 ? 'Error' : 'Unset',
      statusMessage: '',
      attributes: {
        'http.route': `/api/${i % 37}`,
        'http.status_code': i % 20 === 7 ? '500' : '200',
        'peer.index': String(i),
      },
      resource: { 'service.name': service, 'host.name': 'bench-host' },
      events: [],
      links: [],
    })
    if (i % 4 === 0) {
      const ts = (T0 + BigInt(start + Math.floor(dur / 2))).toString()
      logs.push({
        timestampNs: ts,
        timestamp: new Date(Number(BigInt(ts) / 1_000_000n)).toISOString(),
        service,
        severityText: i % 20 === 7 ? 'ERROR' : 'INFO',
        severityNumber: i % 20 === 7 ? 17 : 9,
        body: `handled request ${i}`,
        traceId,
        spanId: hex(i + 1, 16),
        attributes: { i: String(i) },
      })
    }
  }
  logs.sort((a: any, b: any) => (BigInt(a.timestampNs) < BigInt(b.timestampNs) ? -1 : 1))
  return { traceId, body: JSON.stringify({ traceId, spans, logs }) }
}

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
}

async function main() {
  ensureUiBuilt()
  const traces = new Map<string, string>()
  const ids = new Map<number, string>()
  for (const [k, n] of SIZES.entries()) {
    const t = makeTrace(n, 0x1000 + k)
    traces.set(t.traceId, t.body)
    ids.set(n, t.traceId)
    console.log(`${n} spans: ${(t.body.length / 1e6).toFixed(1)} MB of JSON`)
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const m = /^\/api\/v1\/traces\/([0-9a-f]{32})$/.exec(path)
    if (m) {
      const body = traces.get(m[1])
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' })
      res.end(body ?? JSON.stringify({ error: { code: 'SKEIN_ERR_NOT_FOUND', message: 'no such trace' } }))
      return
    }
    const file =
      normalize(join(DIST, path)).startsWith(DIST) && extname(path)
        ? join(DIST, path)
        : join(DIST, 'index.html')
    try {
      const data = readFileSync(file)
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' })
      res.end(data)
    } catch {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const browser = await launchBrowser()
  const figures: Record<string, unknown> = {}
  const rows: [string, string][] = []
  try {
    for (const n of SIZES) {
      const ready: number[] = []
      const select: number[] = []
      const collapse: number[] = []
      for (let run = 0; run < RUNS + 1; run++) {
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
        page.on('crash', () => console.error(`page crashed (${n} spans)`))
        page.on('pageerror', (e) => console.error(`page error (${n} spans): ${e}`))
        await page.goto(`${base}/traces/${ids.get(n)}`, { waitUntil: 'commit' })
        await page.waitForFunction(
          (count) =>
            document.querySelector('[data-testid="trace-span-count"]')?.textContent === String(count) &&
            document.querySelectorAll('[data-testid="waterfall-row"]').length > 0,
          n,
          { timeout: 120_000, polling: 'raf' },
        )
        const tReady = await page.evaluate(() => performance.now())
        // In-page code as strings: tsx would wrap named functions in a `__name` helper the page does not have.
        const tSelect = (await step(
          'select',
          page.evaluate(`(async () => {
          const row = document.querySelectorAll('[data-testid="waterfall-row"]')[5]
          const id = row.dataset.spanId
          const t = performance.now()
          row.click()
          for (;;) {
            await new Promise(requestAnimationFrame)
            const name = document.querySelector('[data-testid="span-detail-name"]')
            if (name && document.querySelector('[data-span-id="' + id + '"][aria-selected="true"]')) return performance.now() - t
          }
        })()`),
        )) as number
        const tCollapse = (await step(
          'collapse',
          page.evaluate(`(async () => {
          const buttons = [...document.querySelectorAll('button')]
          const collapseAll = buttons.find((b) => b.textContent === 'Collapse all')
          const expandAll = buttons.find((b) => b.textContent === 'Expand all')
          const count = () => document.querySelectorAll('[data-testid="waterfall-row"]').length
          const t = performance.now()
          collapseAll.click()
          while (count() !== 1) await new Promise(requestAnimationFrame)
          expandAll.click()
          // Not "the same count as before": the viewport may have scrolled, so the window of rows differs.
          while (count() <= 1) await new Promise(requestAnimationFrame)
          return performance.now() - t
        })()`),
        )) as number
        await page.close()
        if (run === 0) continue // warm-up: browser cache, JIT
        ready.push(tReady)
        select.push(tSelect)
        collapse.push(tCollapse)
      }
      const r = { ready: median(ready), select: median(select), collapseExpand: median(collapse) }
      figures[`spans_${n}`] = r
      console.log(
        `${n} spans: ready ${r.ready.toFixed(0)} ms, select ${r.select.toFixed(0)} ms, collapse+expand all ${r.collapseExpand.toFixed(0)} ms (medians of ${RUNS})`,
      )
      rows.push([`${n.toLocaleString('en')} spans: navigation → waterfall ready`, `${r.ready.toFixed(0)} ms`])
      rows.push([`${n.toLocaleString('en')} spans: click → span selected`, `${r.select.toFixed(0)} ms`])
      rows.push([
        `${n.toLocaleString('en')} spans: collapse all + expand all`,
        `${r.collapseExpand.toFixed(0)} ms`,
      ])
    }
  } finally {
    await browser.close()
    server.close()
  }
  record(
    'ui',
    figures,
    rows,
    `Chromium headless, trace view at 1440×900, fake in-memory API, medians of ${RUNS} runs after a warm-up.`,
  )
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
