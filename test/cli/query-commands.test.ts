/**
 * `skein slow|traces|trace|logs` spawned against a running collector (with --query-token set), on the
 * shop sent through OTLP and Loki push: aligned tables, --json, the call tree with logs under their
 * spans, and one clear line with a non-zero exit when the server is unreachable or answers an error.
 */
import { execFile, spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Shop, sendShop } from '../../collector/test/query/shop-fixture.js'
import { CLI, eventually, REPO_ROOT, type RunningCollector, startCollector } from '../helpers/collector.js'

/**
 * A port nothing listens on. A free ephemeral port (bound, then released) can be taken by another test
 * worker's server before the CLI connects, which answered instead of refusing (seen in CI); tests bind
 * only ephemeral ports, never port 2 (port 1 is one fetch refuses to call).
 */
const NOTHING_LISTENS = 2

let collector: RunningCollector
let shop: Shop
const TOKEN = 'cli-test-token'

beforeAll(async () => {
  collector = await startCollector({ args: ['--query-token', TOKEN] })
  shop = await sendShop(collector.ingestUrl)
})
afterAll(async () => {
  await collector?.stop()
})

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs `skein <args>` with a clean environment (no SKEIN_* from the developer's shell). */
function skein(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKEIN_')))
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: REPO_ROOT, env: { ...base, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
      },
    )
  })
}
const q = (...args: string[]) => skein([...args, '--url', collector.apiUrl, '--token', TOKEN])
const json = async (...args: string[]) => {
  const r = await q(...args, '--json')
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe('skein slow', () => {
  it('prints an aligned table, slowest first', async () => {
    const r = await q('slow')
    expect(r.code, r.stderr).toBe(0)
    const [header, first, second] = r.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^DURATION\s+SERVICE\s+OPERATION\s+STATUS\s+START \(UTC\)\s+TRACE\s+SPAN$/)
    expect(first).toContain('POST /checkout')
    expect(first).toContain(shop.checkout.traceId)
    expect(second).toMatch(/^\s*800\.0ms\s+payments\s+charge\s+Error\s/)
    for (const col of ['SERVICE', 'OPERATION', 'TRACE']) {
      const at = header.indexOf(col)
      expect(first[at - 1], col).toBe(' ')
      expect(first[at], col).not.toBe(' ')
    }
  })

  it('passes its filters and prints JSON with --json', async () => {
    expect((await json('slow', '--service', 'orders')).spans.map((s: any) => s.durationMs)).toEqual([
      250, 60, 1,
    ])
    expect((await json('slow', '--min', '250ms')).spans.map((s: any) => s.durationMs)).toEqual([
      1000, 800, 300, 250,
    ])
    expect((await json('slow', '--min', '0.3s', '--limit', '1')).spans.map((s: any) => s.durationMs)).toEqual(
      [1000],
    )
    expect((await json('slow', '--since', '4h', '--service', 'orders')).spans).toHaveLength(4)
  })
})

describe('skein traces', () => {
  it('lists traces newest first as a table, and only failed ones with --error', async () => {
    const r = await q('traces')
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^START \(UTC\)\s+DURATION\s+SPANS\s+ERRORS\s+ROOT\s+TRACE\s+SERVICES$/)
    expect(lines.slice(1).map((l) => l.match(/[0-9a-f]{32}/)?.[0])).toEqual(
      [shop.search, shop.checkout, shop.health, shop.failedOrder, shop.orders].map((t) => t.traceId),
    )
    expect((await json('traces', '--error')).traces.map((t: any) => t.traceId)).toEqual([
      shop.checkout.traceId,
      shop.failedOrder.traceId,
    ])
    expect(
      (await json('traces', '--min', '400ms', '--attr', 'service.name=search')).traces.map(
        (t: any) => t.traceId,
      ),
    ).toEqual([shop.search.traceId])
  })
})

describe('skein traces --query', () => {
  it('searches with TraceQL through the Tempo API, behind the same token, and prints how many spans matched', async () => {
    const r = await q(
      'traces',
      '--query',
      '{ resource.service.name = "gateway" } >> { resource.service.name = "db" }',
    )
    expect(r.code, r.stderr).toBe(0)
    const [header, row, ...rest] = r.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^START \(UTC\)\s+DURATION\s+MATCHED\s+ROOT\s+TRACE$/)
    expect(row).toMatch(new RegExp(`100\\.0ms\\s+1\\s+gateway: GET /orders\\s+${shop.orders.traceId}$`))
    expect(rest).toEqual([])
    const body = await json('traces', '--query', '{ status = error }', '--min', '500ms')
    expect(body.traces.map((t: any) => t.traceID)).toEqual([shop.checkout.traceId])
    const noToken = await skein(['traces', '--query', '{}', '--url', collector.apiUrl])
    expect(noToken.code).not.toBe(0)
    expect(noToken.stderr).toContain('401')
  })

  it("refuses --query with the form's flags, and passes the server's 400 for unsupported TraceQL on", async () => {
    const both = await q('traces', '--query', '{}', '--service', 'orders')
    expect(both.code).not.toBe(0)
    expect(both.stderr).toContain('--query takes the place of --service')
    const bad = await q('traces', '--query', '{ name = "a" } | count() > 1')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(bad.stderr).toContain('SKEIN_ERR_UNSUPPORTED_QUERY')
  })
})

describe('skein trace', () => {
  it("prints the call tree with each span's log lines beneath it", async () => {
    const r = await q('trace', shop.orders.traceId)
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(new RegExp(`^trace ${shop.orders.traceId} .* 100\\.0ms  4 spans  0 errors`))
    expect(lines[1]).toMatch(/^gateway {2}GET \/orders {2}100\.0ms {2}\+0\.00ms$/)
    expect(lines[2]).toMatch(/^└─ orders {2}GET \/orders\/:id {2}60\.0ms {2}\+10\.0ms$/)
    expect(lines[3]).toMatch(/^ {3}│ {3}» \d\d:\d\d:\d\d\.\d{3} INFO {2}order 42 loaded$/)
    expect(lines[4]).toMatch(/^ {3}├─ db {2}SELECT orders {2}30\.0ms/)
    expect(lines[5]).toMatch(/^ {3}│ {6}» .* DEBUG query SELECT \* FROM orders$/)
    expect(lines[6]).toMatch(/^ {3}└─ orders {2}serialize/)
    expect(lines).toHaveLength(7)
  })

  it('marks errors, and prints the API document with --json', async () => {
    const r = await q('trace', shop.failedOrder.traceId)
    expect(r.stdout).toContain('250.0ms  +5.00ms  ERROR: boom')
    const doc = await json('trace', shop.orders.traceId.toUpperCase())
    expect(doc.spans).toHaveLength(4)
    expect(doc.logs).toHaveLength(2)
  })

  it('exits non-zero with one line for an unknown or malformed id', async () => {
    const unknown = await q('trace', `${'0'.repeat(31)}1`)
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(unknown.stderr).toContain('404 SKEIN_ERR_NOT_FOUND')
    const bad = await q('trace', 'nope')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/^skein: invalid trace id "nope": expected 32 hex characters\n$/)
  })
})

describe('skein logs', () => {
  it('filters by level, text and trace, as a table or JSON', async () => {
    expect((await json('logs', '--level', 'warn')).logs.map((l: any) => l.body)).toEqual([
      'stock low for sku-9',
      'payment failed: card declined',
    ])
    expect((await json('logs', '--trace', shop.orders.traceId)).logs).toHaveLength(2)
    expect((await json('logs', '--grep', 'ORDER 42', '-i')).logs.map((l: any) => l.body)).toEqual([
      'order 42 loaded',
    ])
    const r = await q('logs', '--grep', '100%')
    expect(r.code, r.stderr).toBe(0)
    const [header, row, ...rest] = r.stdout.trimEnd().split('\n')
    expect(header).toMatch(/^TIME \(UTC\)\s+SERVICE\s+LEVEL\s+TRACE\s+MESSAGE$/)
    expect(row).toMatch(/gateway\s+INFO\s+-\s+progress 100% done_ok$/)
    expect(rest).toEqual([])
  })
})

describe('skein logs --follow', () => {
  /** Starts `skein logs --follow …` and collects its stdout lines as they come. */
  function following(args: string[]) {
    const child = spawn(
      process.execPath,
      [CLI, 'logs', '--follow', '--interval', '150ms', ...args, '--url', collector.apiUrl, '--token', TOKEN],
      { cwd: REPO_ROOT },
    )
    const lines: string[] = []
    let partial = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n')
      partial = parts.pop() ?? ''
      lines.push(...parts)
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    )
    return { child, lines, stderr: () => stderr, exited }
  }

  async function pushLines(service: string, bodies: string[], atMs = Date.now()) {
    const res = await fetch(`${collector.ingestUrl}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [
          {
            stream: { service_name: service },
            values: bodies.map((b, i) => [`${BigInt(atMs) * 1_000_000n + BigInt(i)}`, b]),
          },
        ],
      }),
    })
    expect(res.status).toBe(204)
  }

  it('prints the recent lines, then each new line once, oldest first, until interrupted', async () => {
    const service = `follow-${Date.now()}`
    await pushLines(service, ['before 1', 'before 2'])
    const f = following(['--service', service, '--since', '5m'])
    try {
      await eventually(async () => (f.lines.length >= 2 ? true : undefined))
      await pushLines(service, ['after 1', 'after 2'])
      // A line stamped 10 s ago arrives late (as a batching client's would): still printed, once.
      await pushLines(service, ['late'], Date.now() - 10_000)
      await eventually(async () => (f.lines.length >= 5 ? true : undefined))
      await new Promise((r) => setTimeout(r, 600)) // a few more polls: nothing is printed twice
      const messages = f.lines.map((l) => l.split(/\s{2,}/).at(-1))
      expect(messages.slice(0, 2)).toEqual(['before 1', 'before 2'])
      expect(messages.slice(2).sort()).toEqual(['after 1', 'after 2', 'late'])
      expect(messages.indexOf('after 1')).toBeLessThan(messages.indexOf('after 2'))
      expect(f.lines[0]).toMatch(
        new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\S+\\s+${service}\\s+-\\s+-\\s+before 1$`),
      )
      expect(f.stderr()).toBe('')
    } finally {
      f.child.kill('SIGINT')
    }
    expect(await f.exited).toEqual({ code: null, signal: 'SIGINT' })
  })

  it('with --json prints one JSON object per line', async () => {
    const service = `follow-json-${Date.now()}`
    const f = following(['--service', service, '--json'])
    try {
      await new Promise((r) => setTimeout(r, 300))
      await pushLines(service, [
        '{"level":50,"msg":"it broke","trace_id":"0af7651916cd43dd8448eb211c80319c"}',
      ])
      await eventually(async () => (f.lines.length >= 1 ? true : undefined))
      expect(JSON.parse(f.lines[0])).toMatchObject({
        service,
        body: 'it broke',
        severityText: 'ERROR',
        traceId: '0af7651916cd43dd8448eb211c80319c',
      })
    } finally {
      f.child.kill('SIGINT')
    }
    await f.exited
  })

  it('stops with one clear line and a non-zero exit when the server cannot be reached', async () => {
    const port = NOTHING_LISTENS
    const r = await skein(['logs', '--follow', '--url', `http://127.0.0.1:${port}`])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^skein: cannot reach Skein at .* \(ECONNREFUSED\)/)
  })
})

describe('failures', () => {
  it('says so in one line and exits non-zero when the server cannot be reached', async () => {
    const port = NOTHING_LISTENS
    for (const cmd of [['slow'], ['traces'], ['trace', 'a'.repeat(32)], ['logs']]) {
      const r = await skein([...cmd, '--url', `http://127.0.0.1:${port}`])
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(
        `skein: cannot reach Skein at http://127.0.0.1:${port} (ECONNREFUSED); is \`skein serve\` running? Set --url or SKEIN_URL\n`,
      )
    }
  })

  it('reads SKEIN_URL and SKEIN_QUERY_TOKEN, and explains a 401 without a token', async () => {
    const ok = await skein(['slow', '--json'], { SKEIN_URL: collector.apiUrl, SKEIN_QUERY_TOKEN: TOKEN })
    expect(ok.code, ok.stderr).toBe(0)
    const denied = await skein(['slow'], { SKEIN_URL: collector.apiUrl })
    expect(denied.code).toBe(1)
    expect(denied.stderr).toMatch(
      /^skein: the API answered 401 SKEIN_ERR_UNAUTHORIZED: .* \(set --token or SKEIN_QUERY_TOKEN\)\n$/,
    )
  })

  it("prints the API's 400 naming the parameter, and checks its own flags", async () => {
    const r = await q('logs', '--level', 'loud')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /^skein: the API answered 400 SKEIN_ERR_BAD_PARAM: invalid parameter level: .*\n$/,
    )
    const since = await q('slow', '--since', 'yesterday')
    expect(since.code).toBe(1)
    expect(since.stderr).toBe('skein: invalid --since "yesterday": expected a duration such as 15m, 1h, 7d\n')
  })
})
