import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector, stored } from '../helpers/collector.js'
import { type PrivateServer, startPostgres, startRedis } from '../helpers/servers.js'
import { getTrace, type Service, startService } from './services.js'

// Issue 14, tried as a new user would: an Express service (CommonJS, `init()`) on PostgreSQL calls a
// Fastify service (ESM, `--import @skein/sdk/register`) on Redis. Real servers (private instances of
// Debian's postgresql and redis-server), real processes, one real collector; everything is checked
// through the query API, as the UI and the CLI see it.
let postgres: PrivateServer
let redis: PrivateServer
let collector: RunningCollector
let web: Service
let stock: Service
const started: Service[] = []

interface FullSpan {
  spanId: string
  parentSpanId: string
  service: string
  name: string
  kind: string
  statusCode: string
  statusMessage: string
  durationMs: number
  attributes: Record<string, string>
}
interface FullLog {
  service: string
  body: string
  traceId: string
  spanId: string
  severityText: string
  attributes: Record<string, string>
}

const traceparent = () => {
  const traceId = randomBytes(16).toString('hex')
  return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }
}

async function get(path: string, traceHeader: string) {
  return fetch(`http://127.0.0.1:${web.port}${path}`, { headers: { traceparent: traceHeader } })
}

async function api<T>(path: string): Promise<T> {
  const res = await fetch(`${collector.apiUrl}${path}`)
  expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200)
  return (await res.json()) as T
}

/** Polls until `probe` returns something: spans and log lines are exported in batches. */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const found = await probe()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

async function startWeb(name: string, extraEnv: Record<string, string> = {}): Promise<Service> {
  const service = await startService('real/web.cjs', {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl,
    SKEIN_LOGS_ENDPOINT: collector.ingestUrl,
    SERVICE_NAME: name,
    PG_URL: postgres.url,
    STOCK_URL: `http://127.0.0.1:${stock.port}`,
    ...extraEnv,
  })
  started.push(service)
  return service
}

beforeAll(async () => {
  ;[postgres, redis, collector] = await Promise.all([startPostgres(), startRedis(), startCollector()])
  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  await client.query('CREATE TABLE orders (id int PRIMARY KEY, customer text, total numeric)')
  await client.query("INSERT INTO orders VALUES (42, 'bob', 99.5)")
  await client.end()
  stock = await startService(
    'real/stock.mjs',
    {
      OTEL_SERVICE_NAME: 'stock',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl,
      SKEIN_LOGS_ENDPOINT: collector.ingestUrl,
      REDIS_URL: redis.url,
    },
    ['--import', '@skein/sdk/register'],
  )
  started.push(stock)
  web = await startWeb('web')
})

afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()))
  await Promise.all([collector?.stop(), postgres?.stop(), redis?.stop()])
})

describe('an Express + PostgreSQL service calling a Fastify + Redis service, instrumented by the SDK alone', () => {
  let traceId: string
  let spans: FullSpan[]
  let logs: FullLog[]

  beforeAll(async () => {
    const tp = traceparent()
    traceId = tp.traceId
    const res = await get('/orders/42', tp.header)
    expect(res.status).toBe(200)
    expect((await res.json()).order.customer).toBe('bob')
    const trace = await eventually(async () => {
      const t = (await getTrace(collector, traceId).catch(() => undefined)) as
        | { spans: FullSpan[]; logs: FullLog[] }
        | undefined
      // both servers' spans and the four log lines (pino and console, in each service)
      return t && t.spans.filter((s) => s.kind === 'Server').length >= 2 && t.logs.length >= 4 ? t : undefined
    }, 'the trace with both services and their logs')
    spans = trace.spans
    logs = trace.logs
  })

  const one = (predicate: (s: FullSpan) => boolean, what: string) => {
    const found = spans.filter(predicate)
    expect(found, `${what} in ${JSON.stringify(spans.map((s) => [s.service, s.kind, s.name]))}`).toHaveLength(
      1,
    )
    return found[0] as FullSpan
  }
  const isDescendant = (span: FullSpan, ancestor: FullSpan) => {
    const byId = new Map(spans.map((s) => [s.spanId, s]))
    for (let s = byId.get(span.parentSpanId); s; s = byId.get(s.parentSpanId)) if (s === ancestor) return true
    return false
  }

  it('names the server spans after the framework routes, with http.route', () => {
    const webServer = one((s) => s.service === 'web' && s.kind === 'Server', 'the web server span')
    const stockServer = one((s) => s.service === 'stock' && s.kind === 'Server', 'the stock server span')
    expect(webServer.name).toBe('GET /orders/:id')
    expect(webServer.attributes['http.route']).toBe('/orders/:id')
    expect(stockServer.name).toBe('GET /stock/:sku')
    expect(stockServer.attributes['http.route']).toBe('/stock/:sku')
  })

  it('lists the routes as the operations of each service', async () => {
    const { operations } = await api<{ operations: { name: string; spanKind: string }[] }>(
      '/api/v1/services/web/operations',
    )
    expect(operations).toContainEqual(
      expect.objectContaining({ name: 'GET /orders/:id', spanKind: 'Server' }),
    )
  })

  it('is one trace across both services: the stock request is a descendant of the web request', () => {
    const webServer = one((s) => s.service === 'web' && s.kind === 'Server', 'the web server span')
    const stockServer = one((s) => s.service === 'stock' && s.kind === 'Server', 'the stock server span')
    expect(isDescendant(stockServer, webServer)).toBe(true)
  })

  it('records the PostgreSQL query under the request, parameterized, without the parameter value', () => {
    const webServer = one((s) => s.service === 'web' && s.kind === 'Server', 'the web server span')
    const query = one(
      (s) => (s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? '').includes('WHERE id = $1'),
      'the parameterized query span',
    )
    expect(query.attributes['db.system.name'] ?? query.attributes['db.system']).toBe('postgresql')
    expect(query.kind).toBe('Client')
    expect(isDescendant(query, webServer)).toBe(true)
    // No attribute holds the order id (server.port is a random port, which may well contain "42").
    const values = Object.entries(query.attributes).filter(([key]) => key !== 'server.port')
    expect(values.length).toBeGreaterThan(0)
    for (const [key, value] of values) expect(String(value), key).not.toContain('42')
  })

  it('masks the literal values of ad-hoc SQL', () => {
    const adHoc = one(
      (s) => (s.attributes['db.query.text'] ?? '').includes('count(*)'),
      'the ad-hoc query span',
    )
    expect(adHoc.attributes['db.query.text']).toBe(
      'SELECT count(*) FROM orders WHERE customer = ? AND total > ?',
    )
    expect(JSON.stringify(spans)).not.toContain('alice-secret')
  })

  it('records the Redis commands under the stock request, without the values', () => {
    const stockServer = one((s) => s.service === 'stock' && s.kind === 'Server', 'the stock server span')
    const commands = spans.filter(
      (s) => (s.attributes['db.system.name'] ?? s.attributes['db.system']) === 'redis',
    )
    expect(commands.map((s) => s.name).sort()).toEqual(['get', 'set'])
    for (const command of commands) expect(isDescendant(command, stockServer)).toBe(true)
    expect(JSON.stringify(commands)).not.toContain('secret-level-17')
  })

  it('puts pino and console lines of both services in the trace, each with the id of one of its spans', () => {
    const spanIds = new Set(spans.map((s) => s.spanId))
    const line = (service: string, body: string) => {
      const found = logs.filter((l) => l.service === service && l.body === body)
      expect(found, `${service}: ${body} in ${JSON.stringify(logs)}`).toHaveLength(1)
      const [log] = found as [FullLog]
      expect(log.traceId).toBe(traceId)
      expect(spanIds.has(log.spanId)).toBe(true)
      return log
    }
    line('web', 'order looked up')
    line('stock', 'stock checked')
    const consoleLog = line('web', 'console: order 42 served')
    expect(consoleLog.severityText.toLowerCase()).toBe('info')
    expect(consoleLog.attributes['log.iostream']).toBe('stdout')
    const consoleWarn = line('stock', 'console: stock of tea-sencha is low')
    expect(consoleWarn.severityText.toLowerCase()).toBe('warn')
    expect(consoleWarn.attributes['log.iostream']).toBe('stderr')
  })

  it('still prints console lines as before, once, and not as JSON', () => {
    expect(web.output().match(/^console: order 42 served$/gm)).toHaveLength(1)
    expect(web.output()).not.toMatch(/"msg":"console: order/)
  })
})

describe('slow queries', () => {
  it('puts a 600 ms pg_sleep at the top of the slowest database calls of the service', async () => {
    const tp = traceparent()
    expect((await get('/slow', tp.header)).status).toBe(200)
    const trace = await eventually(async () => {
      const t = (await getTrace(collector, tp.traceId).catch(() => undefined)) as
        | { spans: FullSpan[] }
        | undefined
      return t?.spans.find((s) => (s.attributes['db.query.text'] ?? '').includes('pg_sleep')) ? t : undefined
    }, 'the pg_sleep span')
    const sleep = trace.spans.find((s) =>
      (s.attributes['db.query.text'] ?? '').includes('pg_sleep'),
    ) as FullSpan
    expect(sleep.attributes['db.query.text']).toBe('SELECT pg_sleep($1)')
    expect(sleep.durationMs).toBeGreaterThanOrEqual(600)
    const { spans } = await api<{ spans: { spanId: string; name: string; durationMs: number }[] }>(
      `/api/v1/spans/slow?service=web&operation=${encodeURIComponent(sleep.name)}&limit=5`,
    )
    expect(spans[0]?.spanId).toBe(sleep.spanId)
    expect(spans.length).toBeGreaterThan(1) // the other queries of the same operation rank below it
  })
})

describe('switches', () => {
  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=pg removes the database spans and keeps the rest', async () => {
    const noPg = await startWeb('web-no-pg', { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' })
    const tp = traceparent()
    const res = await fetch(`http://127.0.0.1:${noPg.port}/orders/42`, {
      headers: { traceparent: tp.header },
    })
    expect(res.status).toBe(200)
    expect(await noPg.stop()).toBe(0) // flushes
    const trace = (await getTrace(collector, tp.traceId)) as unknown as { spans: FullSpan[] }
    const own = trace.spans.filter((s) => s.service === 'web-no-pg')
    expect(own.find((s) => s.kind === 'Server')?.name).toBe('GET /orders/:id')
    expect(own.filter((s) => s.attributes['db.system.name'] ?? s.attributes['db.system'])).toEqual([])
  })
})

describe('a crash', () => {
  it('is logged at fatal with its stack and trace id, ends the open request span as failed, and the process still dies as Node would', async () => {
    const crashing = await startWeb('web-crash')
    const tp = traceparent()
    const exited = new Promise<number | null>((resolve) =>
      crashing.child.once('exit', (code) => resolve(code)),
    )
    // The connection dies with the process: no answer.
    await fetch(`http://127.0.0.1:${crashing.port}/crash`, { headers: { traceparent: tp.header } }).catch(
      () => undefined,
    )
    expect(await exited).toBe(1)
    // Node's own report of the uncaught exception, printed after the flush.
    expect(crashing.output()).toContain('Error: boom: inventory cache corrupted')

    await stored(collector.ingestUrl) // the process flushed before it died: all it sent was answered
    const { logs } = await api<{ logs: FullLog[] }>(
      `/api/v1/logs?service=web-crash&level=fatal&traceId=${tp.traceId}&lookback=15m`,
    )
    expect(logs).toHaveLength(1)
    const [fatal] = logs as [FullLog]
    expect(fatal.body).toBe('uncaught exception: boom: inventory cache corrupted')
    expect(fatal.traceId).toBe(tp.traceId)
    expect(JSON.stringify(fatal.attributes)).toContain('inventory cache corrupted')
    expect(JSON.stringify(fatal.attributes)).toMatch(/web\.cjs:\d+/) // the stack

    const trace = (await getTrace(collector, tp.traceId)) as unknown as { spans: FullSpan[] }
    const server = trace.spans.find((s) => s.kind === 'Server')
    expect(server?.name).toBe('GET /crash')
    expect(server?.statusCode).toBe('Error')
    expect(server?.statusMessage).toContain('boom: inventory cache corrupted')
    expect(fatal.spanId).not.toBe('')
  })
})
