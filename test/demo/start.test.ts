/**
 * `npm start` as a user runs it: `node collector/dist/cli.js serve --demo` (what the root package.json's
 * start script runs) on free ports with a fresh data dir. Real collector, real chDB, the real shop with the
 * real SDK (Express, Fastify, gRPC and `pg` against PGlite behind pglite-socket); the test only reads the
 * query API and /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  CLI,
  eventually,
  freePort,
  getJson,
  REPO_ROOT,
  startCollector,
  tempDir,
} from '../helpers/collector.js'

const SHOP = ['gateway', 'orders', 'payments', 'users']
const SHOP_DIR = join(REPO_ROOT, 'examples/shop')

interface Proc {
  pid: number
  ppid: number
  pgid: number
  state: string
  /** Start time in clock ticks since boot: tells a pid apart from a later process reusing it. */
  start: string
}

/** Every process on the machine, from /proc (Linux): the only way to see grandchildren of a child. */
function processes(): Map<number, Proc> {
  const all = new Map<number, Proc>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    // The command name may hold spaces and parentheses: fields are counted from the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    all.set(Number(entry), {
      pid: Number(entry),
      state: f[0],
      ppid: Number(f[1]),
      pgid: Number(f[2]),
      start: f[19],
    })
  }
  return all
}

function descendants(root: number): Proc[] {
  const all = [...processes().values()]
  const found: Proc[] = []
  const parents = new Set([root])
  for (let grew = true; grew; ) {
    grew = false
    for (const p of all) {
      if (!parents.has(p.ppid) || parents.has(p.pid)) continue
      parents.add(p.pid)
      found.push(p)
      grew = true
    }
  }
  return found
}

/** Processes still running (zombies excluded) that are one of `seen` or in one of their process groups. */
function leftovers(seen: Proc[]): Proc[] {
  const groups = new Set(seen.map((p) => p.pgid))
  const byPid = new Map(seen.map((p) => [p.pid, p]))
  return [...processes().values()].filter(
    (p) => p.state !== 'Z' && (byPid.get(p.pid)?.start === p.start || groups.has(p.pgid)),
  )
}

interface TraceSummary {
  traceId: string
  services: string[]
  errorCount: number
}
interface Span {
  spanId: string
  parentSpanId: string
  service: string
  kind: string
  name: string
  statusCode: string
  attributes: Record<string, string>
}
interface Log {
  service: string
  severityText: string
  body: string
  attributes: Record<string, string>
}
interface Trace {
  traceId: string
  spans: Span[]
  logs: Log[]
}

/** Two or more gateway client calls to orders under one parent span, at least one of them failed. */
function isRetry(t: Trace): boolean {
  const calls = t.spans.filter(
    (s) => s.service === 'gateway' && s.kind === 'Client' && /\/orders$/.test(s.attributes['url.full'] ?? ''),
  )
  const byParent = new Map<string, Span[]>()
  for (const s of calls) byParent.set(s.parentSpanId, [...(byParent.get(s.parentSpanId) ?? []), s])
  return [...byParent.values()].some((c) => c.length >= 2 && c.some((s) => s.statusCode === 'Error'))
}

/** The first of `keys` the span has: semantic conventions renamed these (`db.system` → `db.system.name`). */
const attr = (s: Span, ...keys: string[]) => keys.map((k) => s.attributes[k]).find((v) => v !== undefined)
const statementOf = (s: Span) => attr(s, 'db.query.text', 'db.statement')
/** A query (not a connect) that `pg`'s instrumentation traced. */
const isPostgresQuery = (s: Span) =>
  attr(s, 'db.system.name', 'db.system') === 'postgresql' && statementOf(s) !== undefined

/** The span's parent, its parent's parent... up to the root (cycle-safe). */
function ancestors(t: Trace, span: Span): Span[] {
  const byId = new Map(t.spans.map((s) => [s.spanId, s]))
  const found: Span[] = []
  for (let p = byId.get(span.parentSpanId); p && !found.includes(p); p = byId.get(p.parentSpanId))
    found.push(p)
  return found
}

/** An orders query inside an orders request: what a checkout trace shows of the database. */
const queryUnderOrders = (t: Trace) =>
  t.spans.find(
    (s) =>
      s.service === 'orders' &&
      isPostgresQuery(s) &&
      ancestors(t, s).some((a) => a.service === 'orders' && a.kind === 'Server'),
  )

const serverSpans = (t: Trace, service: string) =>
  t.spans.filter((s) => s.service === service && s.kind === 'Server')

const cleanups: (() => void)[] = []
afterAll(() => {
  for (const c of cleanups) c()
})

describe('npm start (skein serve --demo)', () => {
  it('shows traces of all four shop services with their logs, spans named by the routes, the orders queries to PostgreSQL, an error and a retry, within 15 s; Ctrl-C leaves no process behind', async () => {
    const [grpc, ingest, api] = [await freePort(), await freePort(), await freePort()]
    const dir = tempDir('skein-demo-')
    const started = Date.now()
    const child: ChildProcess = spawn(
      process.execPath,
      [
        CLI,
        'serve',
        '--demo',
        '--grpc-port',
        `${grpc}`,
        '--ingest-port',
        `${ingest}`,
        '--port',
        `${api}`,
        '--data-dir',
        join(dir, 'data'),
      ],
      { cwd: REPO_ROOT, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let out = ''
    child.stdout?.on('data', (d) => {
      out += d
    })
    child.stderr?.on('data', (d) => {
      out += d
    })
    const exited = new Promise<[number | null, string | null]>((r) =>
      child.once('exit', (code, sig) => r([code, sig])),
    )
    cleanups.push(() => {
      // Only if an assertion failed midway: never leave the shop running on a shared machine.
      for (const p of descendants(child.pid!)) {
        try {
          process.kill(p.pid, 'SIGKILL')
        } catch {}
      }
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    })
    const base = `http://127.0.0.1:${api}/api/v1`

    const examined = new Map<string, Trace>()
    const fetchTrace = async (id: string) => {
      const { status, body } = await getJson<Trace>(`${base}/traces/${id}`)
      if (status === 200) examined.set(id, body)
      return status === 200 ? body : undefined
    }
    let complete: Trace | undefined
    /** A trace through all four services, with their logs, kept to say what was missing on a timeout. */
    let candidate: Trace | undefined
    let errored: Trace | undefined
    let retried: Trace | undefined
    await eventually(
      async () => {
        const { body: services } = await getJson<{ services: { name: string }[] }>(`${base}/services`)
        if (!SHOP.every((s) => services.services.some((x) => x.name === s))) return false
        const list = async (query: string) =>
          (await getJson<{ traces: TraceSummary[] }>(`${base}/traces?limit=40&${query}`)).body.traces
        if (!complete) {
          for (const t of (await list('service=gateway'))
            .filter((t) => SHOP.every((s) => t.services.includes(s)))
            .slice(0, 5)) {
            const detail = await fetchTrace(t.traceId)
            if (!detail || !SHOP.every((s) => detail.logs.some((l) => l.service === s))) continue
            candidate = detail
            // Spans reach storage in batches: a trace may be read before orders' queries are in it, or
            // before a service's server span (it ends last, so the gateway's root is often a batch later).
            const served = ['gateway', 'orders', 'payments'].every((s) => serverSpans(detail, s).length > 0)
            // A checkout that went through (some are declined by payments, on purpose).
            const ordered = detail.logs.some((l) => l.body === 'order created')
            if (queryUnderOrders(detail) && served && ordered) complete = detail
            if (complete) break
          }
        }
        if (!errored) {
          for (const t of (await list('status=error')).slice(0, 5)) {
            const detail = await fetchTrace(t.traceId)
            const failedSpan = detail?.spans.some((s) => s.statusCode === 'Error')
            if (
              failedSpan &&
              detail?.logs.some((l) => l.severityText === 'WARN' || l.severityText === 'ERROR')
            )
              errored = detail
            if (errored) break
          }
        }
        if (!retried) {
          // A retry follows a timed-out attempt, so its trace lasts at least the gateway's 1 s timeout.
          for (const t of (await list('service=gateway&minDurationMs=900')).slice(0, 10)) {
            const detail = await fetchTrace(t.traceId)
            // orders answers a stalled attempt only once its lock is free, seconds after the gateway
            // gave up on it: a retried trace is complete once orders' server span is in too.
            const ordersServed = detail?.spans.some((s) => s.service === 'orders' && s.kind === 'Server')
            if (detail && isRetry(detail) && ordersServed) retried = detail
            if (retried) break
          }
        }
        return complete && errored && retried
      },
      15_000 - (Date.now() - started),
      500,
    ).catch((e) => {
      const spans = candidate?.spans.map((s) => `${s.service} ${s.kind} ${s.name}`).join(', ')
      throw new Error(
        `${e.message}\nfound: all four with a query ${!!complete}, error ${!!errored}, retry ${!!retried}` +
          `\nspans of a trace through all four: ${spans}\n${out}`,
      )
    })
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(out).toMatch(/Skein is running: open http:\/\/127\.0\.0\.1:\d+/)
    expect(complete!.logs.map((l) => l.body)).toEqual(
      expect.arrayContaining(['checkout started', 'order created']),
    )
    expect(
      retried!.spans.filter((s) => s.service === 'orders' && s.kind === 'Server').length,
    ).toBeGreaterThanOrEqual(1)

    // Server spans are named by Express's and Fastify's route templates, through their instrumentations
    // (the shop names nothing itself): without them they would be a bare `POST`, with no http.route.
    const routed = (service: string) =>
      serverSpans(complete!, service).map((s) => [s.name, s.attributes['http.route']])
    expect(routed('gateway')).toContainEqual(['POST /api/checkout', '/api/checkout'])
    expect(routed('orders')).toContainEqual(['POST /orders', '/orders'])
    expect(routed('payments')).toContainEqual(['POST /charges', '/charges'])
    const httpServers = [...examined.values()].flatMap((t) =>
      ['gateway', 'orders', 'payments'].flatMap((service) => serverSpans(t, service)),
    )
    for (const s of httpServers) expect(s.name).toBe(`${s.name.split(' ')[0]} ${s.attributes['http.route']}`)

    // orders' queries: `pg` spans inside the orders request, parameterized, no order's values in them.
    const created = complete!.logs.find((l) => l.body === 'order created')!.attributes
    const queries = complete!.spans.filter(isPostgresQuery)
    for (const q of queries) {
      expect(q.service).toBe('orders')
      expect(ancestors(complete!, q).map((a) => `${a.service} ${a.kind} ${a.name}`)).toContain(
        'orders Server POST /orders',
      )
    }
    const statements = queries.map(statementOf).join('\n')
    expect(statements).toMatch(/INSERT INTO orders[\s\S]*\$1/)
    expect(statements).toMatch(/UPDATE inventory SET stock = stock - \$1 WHERE sku = \$2/)
    expect(created.orderId).toMatch(/^ord_\d+$/)
    expect(statements).not.toContain(created.orderId)
    expect(statements).not.toContain(created.chargeId)
    // The database is infrastructure, started without the SDK: not a service of its own.
    const { body: seen } = await getJson<{ services: { name: string }[] }>(`${base}/services`)
    expect(seen.services.map((s) => s.name)).not.toContain('db')

    // The launcher, the database, four services and the load generator, all in the launcher's group.
    const shop = descendants(child.pid!)
    const launcherPid = Number(/launcher pid (\d+)/.exec(out)?.[1])
    expect(shop.length).toBeGreaterThanOrEqual(7)
    expect(shop.every((p) => p.pgid === launcherPid)).toBe(true)

    child.kill('SIGINT')
    const [code] = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no exit 30 s after SIGINT:\n${out}`)), 30_000),
      ),
    ])
    expect(code).toBe(0)
    expect(leftovers(shop)).toEqual([])
    expect(out).not.toMatch(/did not stop in time/)
  })

  it('leaves span names to the instrumentations: no shop code names or annotates a span', () => {
    const sources = readdirSync(SHOP_DIR, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.mjs') && !f.includes('node_modules'),
    )
    expect(sources).toEqual(expect.arrayContaining(['gateway.mjs', 'orders.mjs', 'payments.mjs']))
    for (const file of sources) {
      const text = readFileSync(join(SHOP_DIR, file), 'utf8')
      expect({
        file,
        naming: text.match(/updateName|setAttributes?\(|startActiveSpan|startSpan|http\.route/g),
      }).toEqual({
        file,
        naming: null,
      })
    }
  })

  it('runs no shop under plain `skein serve`', async () => {
    const collector = await startCollector()
    cleanups.push(() => void collector.kill().catch(() => undefined))
    // Long enough for a shop to have started and reported if one had been spawned.
    await new Promise((r) => setTimeout(r, 1500))
    expect(descendants(collector.process.pid!)).toEqual([])
    expect(collector.output()).not.toMatch(/demo shop/i)
    expect(await collector.stop()).toBe(0)
  })
})
