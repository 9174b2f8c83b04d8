/**
 * SDK overhead. Run: `node --import tsx bench/sdk.ts` (npm run bench:sdk).
 *
 * 1. pino log calls per second inside an active span: the SDK logger (trace fields by pino's
 *    streamWrite hook) vs plain pino, both serialising to /dev/null. Bar: slowdown ≤ 1.25 (goal 1.15).
 * 2. A realistic service (issue 14): Express 5, one pg query per request against a private PostgreSQL,
 *    one pino line per request; measured three ways in the same run, rounds interleaved:
 *    no tracing, @skein/sdk, and the anchors' standard setup (NodeSDK + getNodeAutoInstrumentations(),
 *    OTLP gRPC trace exporter in a BatchSpanProcessor, pino with a trace mixin). Each variant is its own
 *    child process (bench/fixtures/service-*); all export to sinks in this process that accept OTLP gRPC
 *    and Loki pushes and keep nothing, so the figures are the SDKs' cost, not a collector's.
 *    Bar: Skein's slowdown is no worse than the standard setup's.
 * Medians of several rounds; ratios are medians of per-round ratios (adjacent measurements drift less
 * on a shared machine than the medians of each variant do).
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { Agent, createServer, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { traceMixin, traceStreamWrite } from '@skein/sdk'
import pg from 'pg'
import pino from 'pino'
import { decodeTracesProto } from '../collector/src/decode/index.js'
import { S } from '../collector/src/rows.js'
import { startPostgres } from '../test/helpers/servers.js'
import { median, percentile, record } from './lib/results.js'

const ROUNDS = Number(process.env.ROUNDS ?? 5)
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

function logRate(logger: pino.Logger, calls: number): number {
  const tracer = trace.getTracer('bench')
  return tracer.startActiveSpan('bench', (span) => {
    const start = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) logger.info({ i, orderId: 'o-1' }, 'order created')
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    span.end()
    return calls / seconds
  })
}

async function benchLogger() {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  trace.setGlobalTracerProvider(new BasicTracerProvider())
  const dest = pino.destination({ dest: '/dev/null', sync: true })
  const plain = pino(dest)
  // The SDK's own logger adds trace context with the streamWrite hook; traceMixin() is what an
  // application's existing logger uses. Both are measured; the bar is on the SDK logger.
  const mixed = pino({ hooks: { streamWrite: traceStreamWrite() } }, dest)
  const viaMixin = pino({ mixin: traceMixin() }, dest)
  const calls = 50_000
  logRate(plain, calls) // warm-up
  logRate(mixed, calls)
  const plainRates: number[] = []
  const mixedRates: number[] = []
  const ratios: number[] = []
  const mixinRatios: number[] = []
  // Short interleaved rounds, ratio per round: on a shared machine the load drifts between rounds,
  // and a ratio of two adjacent measurements is steadier than a ratio of two medians.
  for (let r = 0; r < ROUNDS * 3; r++) {
    const p = logRate(plain, calls)
    const m = logRate(mixed, calls)
    const x = logRate(viaMixin, calls)
    plainRates.push(p)
    mixedRates.push(m)
    ratios.push(p / m)
    mixinRatios.push(p / x)
  }
  return {
    plain: median(plainRates),
    mixin: median(mixedRates),
    slowdown: median(ratios),
    mixinSlowdown: median(mixinRatios),
  }
}

/** What a sink saw while counting (the warm-up): enough to tell what each variant exports. */
interface SinkStats {
  spans: number
  spanNames: Map<string, number>
  logPushes: number
}

/**
 * OTLP gRPC and Loki push endpoints that accept everything and keep nothing. While `counting`, span
 * requests are decoded to count spans by name (off during measured rounds: decoding costs this
 * process CPU that the load generator needs).
 */
async function startSinks() {
  const stats: SinkStats = { spans: 0, spanNames: new Map(), logPushes: 0 }
  let counting = false
  const grpcServer = new grpc.Server()
  const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b }
  grpcServer.addService(
    {
      export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: raw.serialize,
        requestDeserialize: raw.deserialize,
        responseSerialize: raw.serialize,
        responseDeserialize: raw.deserialize,
      },
    },
    {
      export: (call: { request: Buffer }, cb: (err: null, res: Buffer) => void) => {
        if (counting) {
          for (const row of decodeTracesProto(call.request).rows) {
            const name = row[S.SpanName] as string
            stats.spans++
            stats.spanNames.set(name, (stats.spanNames.get(name) ?? 0) + 1)
          }
        }
        // an empty ExportTraceServiceResponse is zero bytes of protobuf
        cb(null, Buffer.alloc(0))
      },
    },
  )
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  )
  const loki = createServer((req, res) => {
    if (counting) stats.logPushes++
    req.resume()
    req.on('end', () => {
      res.statusCode = 204
      res.end()
    })
  })
  loki.listen(0, '127.0.0.1')
  await once(loki, 'listening')
  const lokiPort = (loki.address() as { port: number }).port
  return {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${grpcPort}`,
      SKEIN_LOGS_ENDPOINT: `http://127.0.0.1:${lokiPort}`,
    },
    stats,
    count(on: boolean) {
      counting = on
    },
    close: () => {
      grpcServer.forceShutdown()
      loki.close()
    },
  }
}

const ORDERS = 1000
const CONCURRENCY = 16
const ROUND_SECONDS = Number(process.env.ROUND_SECONDS ?? 3)
const WARMUP_SECONDS = 2

interface Variant {
  key: 'none' | 'skein' | 'otel'
  label: string
  entry: string
  env?: Record<string, string>
}

const VARIANTS: Variant[] = [
  { key: 'none', label: 'no tracing', entry: 'service-none.cjs' },
  { key: 'skein', label: '@skein/sdk', entry: 'service-skein.mjs' },
  {
    key: 'otel',
    label: 'standard OTel setup',
    entry: 'service-otel.cjs',
    // traces only: NodeSDK would also start OTLP metric and log exporters, which the sinks do not serve
    env: { OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
  },
]

async function seedOrders(url: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(`CREATE TABLE orders (
    id int PRIMARY KEY, customer text NOT NULL, status text NOT NULL,
    total_cents int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`)
  await client.query(
    `INSERT INTO orders (id, customer, status, total_cents)
     SELECT i, 'customer-' || (i % 97), (ARRAY['new', 'paid', 'shipped'])[1 + i % 3], 100 + i * 7
     FROM generate_series(1, $1::int) AS i`,
    [ORDERS],
  )
  await client.query('ANALYZE orders')
  await client.end()
}

/** Forks a variant's service; resolves with its port once it listens. */
async function startService(v: Variant, env: Record<string, string>) {
  const child: ChildProcess = fork(fileURLToPath(new URL(`./fixtures/${v.entry}`, import.meta.url)), [], {
    execArgv: [],
    env: { ...process.env, ...env, ...v.env },
  })
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${v.label}: no port within 60 s`)), 60_000)
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer)
      resolve(m.port)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${v.label}: exited (${code}) before listening`))
    })
  })
  return {
    port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill()
      await exited
    },
  }
}

interface Round {
  rps: number
  /** ms */
  p99: number
  requests: number
  errors: number
  /** CPU time of the service process (all its threads) per request, µs. */
  cpuUs: number
}

/** CPU time (user + system, all threads) a process used so far, in ms: /proc/PID/stat, 100 ticks/s. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/**
 * `seconds` of closed-loop load over `concurrency` keep-alive connections, each request one order
 * (ids in turn). Bounded: no new request after the deadline, and a request times out after 10 s.
 */
async function load(
  { port, pid }: { port: number; pid: number },
  seconds: number,
  concurrency = CONCURRENCY,
): Promise<Round> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const latencies: number[] = []
  let errors = 0
  let next = 0
  const one = (path: string) =>
    new Promise<number>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', () => resolve(0))
      })
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')))
      req.on('error', () => resolve(0))
      req.end()
    })
  const cpuBefore = cpuMs(pid)
  const start = performance.now()
  const deadline = start + seconds * 1000
  const worker = async () => {
    while (performance.now() < deadline) {
      const path = `/orders/${(next++ % ORDERS) + 1}`
      const t0 = performance.now()
      const status = await one(path)
      if (status === 200) latencies.push(performance.now() - t0)
      else errors++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = (performance.now() - start) / 1000
  const cpu = cpuMs(pid) - cpuBefore
  agent.destroy()
  return {
    rps: latencies.length / elapsed,
    p99: percentile(latencies, 99),
    requests: latencies.length,
    errors,
    cpuUs: (cpu * 1000) / Math.max(1, latencies.length),
  }
}

async function benchService() {
  const db = await startPostgres()
  const services: { stop(): Promise<void> }[] = []
  const allSinks: { close(): void }[] = []
  try {
    await seedOrders(db.url)
    const running: (Variant & {
      port: number
      pid: number
      sinks: Awaited<ReturnType<typeof startSinks>>
    })[] = []
    for (const v of VARIANTS) {
      const sinks = await startSinks()
      allSinks.push(sinks)
      const service = await startService(v, { ...sinks.env, DATABASE_URL: db.url })
      services.push(service)
      running.push({ ...v, port: service.port, pid: service.pid, sinks })
    }
    // Warm-up (JIT, pool connections), counting what each variant exports per request. The standard
    // setup's batch processor exports every 5 s when its batch is not full: wait past that.
    const warmRequests = new Map<string, number>()
    for (const v of running) {
      v.sinks.count(true)
      warmRequests.set(v.key, (await load(v, WARMUP_SECONDS)).requests)
    }
    await new Promise((r) => setTimeout(r, 6000))
    for (const v of running) v.sinks.count(false)

    const rounds = new Map<string, Round[]>(VARIANTS.map((v) => [v.key, []]))
    const ratios = { skein: [] as number[], otel: [] as number[], skeinVsOtel: [] as number[] }
    for (let r = 0; r < ROUNDS; r++) {
      // Rotate the order: no variant always runs first in a round (or right after another's tail).
      const order = running.map((_, i) => running[(i + r) % running.length])
      const got: Record<string, Round> = {}
      for (const v of order) {
        got[v.key] = await load(v, ROUND_SECONDS)
        rounds.get(v.key)!.push(got[v.key])
      }
      ratios.skein.push(got.none.rps / got.skein.rps)
      ratios.otel.push(got.none.rps / got.otel.rps)
      // Skein's slowdown ÷ the standard's, in the same round: standard req/s ÷ Skein req/s.
      ratios.skeinVsOtel.push(got.otel.rps / got.skein.rps)
    }
    const result = running.map((v) => {
      const rs = rounds.get(v.key)!
      const requests = rs.reduce((n, x) => n + x.requests, 0)
      const errors = rs.reduce((n, x) => n + x.errors, 0)
      if (errors > 0.01 * (requests + errors))
        throw new Error(`${v.label}: ${errors} of ${requests + errors} requests failed`)
      const warm = warmRequests.get(v.key) || 1
      const names = [...v.sinks.stats.spanNames]
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => `${name} ${(n / warm).toFixed(1)}`)
      return {
        key: v.key,
        label: v.label,
        rps: median(rs.map((x) => x.rps)),
        p99: median(rs.map((x) => x.p99)),
        cpuUs: median(rs.map((x) => x.cpuUs)),
        errors,
        spansPerRequest: v.sinks.stats.spans / warm,
        spanNames: names,
        logPushes: v.sinks.stats.logPushes,
      }
    })
    return {
      variants: Object.fromEntries(result.map((x) => [x.key, x])) as Record<
        Variant['key'],
        (typeof result)[0]
      >,
      skeinSlowdown: median(ratios.skein),
      otelSlowdown: median(ratios.otel),
      skeinVsOtel: median(ratios.skeinVsOtel),
    }
  } finally {
    for (const s of services) await s.stop()
    for (const s of allSinks) s.close()
    await db.stop()
  }
}

const LOGGER_BAR = 1.25
const LOGGER_GOAL = 1.15
const passFail = (ok: boolean) => (ok ? 'PASS' : 'FAIL')

const log = await benchLogger()
const loggerOk = log.slowdown <= LOGGER_BAR
console.log(
  `pino, inside a span, ${ROUNDS * 3} interleaved rounds of 50k calls (medians; slowdown = median of per-round ratios):`,
)
console.log(`  plain pino        ${fmt(log.plain)} calls/s`)
console.log(`  SDK logger        ${fmt(log.mixin)} calls/s (trace fields by the streamWrite hook)`)
console.log(`  slowdown          ${log.slowdown.toFixed(2)}x`)
console.log(`  traceMixin()      ${log.mixinSlowdown.toFixed(2)}x slowdown (for an application's own logger)`)

// The SDK build without the instrumentations catalogue traces http only: no express or pg spans.
const sdkWithInstrumentations = existsSync(
  fileURLToPath(new URL('../sdk/dist/instrumentations.js', import.meta.url)),
)
const svc = await benchService()
const pad = (s: string, n: number) => s.padEnd(n)
console.log(
  `\nService: Express 5 + pg (one SELECT by id per request, private PostgreSQL 15) + one pino line per request;`,
)
console.log(
  `${ROUNDS} interleaved rounds of ${ROUND_SECONDS} s per variant, ${CONCURRENCY} keep-alive connections (medians):`,
)
console.log(
  `  ${pad('variant', 22)}${pad('req/s', 10)}${pad('p99 ms', 9)}${pad('CPU µs/req', 12)}spans exported per request (warm-up)`,
)
for (const v of Object.values(svc.variants)) {
  console.log(
    `  ${pad(v.label, 22)}${pad(fmt(v.rps), 10)}${pad(v.p99.toFixed(1), 9)}${pad(fmt(v.cpuUs), 12)}${v.spansPerRequest.toFixed(1)}${v.spanNames.length ? `: ${v.spanNames.join(', ')}` : ''}${v.logPushes ? ` (and ${v.logPushes} Loki pushes)` : ''}`,
  )
}
console.log(`  Skein slowdown vs none        ${svc.skeinSlowdown.toFixed(2)}x`)
console.log(`  standard slowdown vs none     ${svc.otelSlowdown.toFixed(2)}x`)
console.log(
  `  Skein vs standard             ${svc.skeinVsOtel.toFixed(2)}x (Skein's slowdown ÷ the standard's; < 1: Skein costs less)`,
)
if (!sdkWithInstrumentations)
  console.log(
    '  note: this @skein/sdk build has no instrumentations.js, so it makes no express/pg spans: its figure is not final',
  )
const serviceOk = svc.skeinVsOtel <= 1
console.log('\nbars:')
console.log(
  `  Skein's slowdown no worse than the standard setup's (Skein vs standard ≤ 1.00x): ${svc.skeinVsOtel.toFixed(2)}x ${passFail(serviceOk)}`,
)
console.log(
  `  SDK logger ≤ ${LOGGER_BAR.toFixed(2)}x plain pino (goal ${LOGGER_GOAL.toFixed(2)}x): ${log.slowdown.toFixed(2)}x ${passFail(loggerOk)}${loggerOk && log.slowdown > LOGGER_GOAL ? ' (goal not met)' : ''}`,
)

const { none, skein, otel } = svc.variants
const figures = (v: typeof none) => ({
  rps: v.rps,
  p99Ms: v.p99,
  cpuUsPerRequest: v.cpuUs,
  spansPerRequest: v.spansPerRequest,
})
record(
  'sdk',
  {
    pinoPlain: log.plain,
    pinoMixin: log.mixin,
    pinoSlowdown: log.slowdown,
    pinoMixinSlowdown: log.mixinSlowdown,
    serviceNone: figures(none),
    serviceSkein: figures(skein),
    serviceStandard: figures(otel),
    serviceSkeinSlowdown: svc.skeinSlowdown,
    serviceStandardSlowdown: svc.otelSlowdown,
    serviceSkeinVsStandard: svc.skeinVsOtel,
    skeinInstrumentations: sdkWithInstrumentations,
    bars: { logger: passFail(loggerOk), service: passFail(serviceOk) },
  },
  [
    ['pino calls/s, plain (baseline)', fmt(log.plain)],
    ['pino calls/s, SDK logger inside a span (streamWrite hook)', fmt(log.mixin)],
    [
      `SDK logger slowdown, median of per-round ratios (bar ≤ ${LOGGER_BAR}, goal ${LOGGER_GOAL})`,
      `${log.slowdown.toFixed(2)}x ${passFail(loggerOk)}`,
    ],
    ['traceMixin() slowdown (an application’s own logger)', `${log.mixinSlowdown.toFixed(2)}x`],
    ...Object.values(svc.variants).map((v): [string, string] => [
      `service, ${v.label}${v.key === 'none' ? ' (baseline)' : ''}: req/s, p99, service CPU/request, spans/request`,
      `${fmt(v.rps)}, ${v.p99.toFixed(1)} ms, ${fmt(v.cpuUs)} µs, ${v.spansPerRequest.toFixed(1)}`,
    ]),
    ['service: Skein slowdown vs none', `${svc.skeinSlowdown.toFixed(2)}x`],
    ['service: standard setup slowdown vs none', `${svc.otelSlowdown.toFixed(2)}x`],
    [
      'service: Skein vs standard (Skein’s slowdown ÷ the standard’s; bar ≤ 1.00)',
      `${svc.skeinVsOtel.toFixed(2)}x ${passFail(serviceOk)}`,
    ],
  ],
  [
    `Service: Express 5 + pg (one SELECT by primary key per request, private PostgreSQL 15) + one pino line per`,
    `request, ${ROUNDS} interleaved rounds of ${ROUND_SECONDS} s, ${CONCURRENCY} keep-alive connections, load generator`,
    `on the same machine. Standard setup: NodeSDK + getNodeAutoInstrumentations() (fs off, pino's`,
    `instrumentation on by default) + OTLP gRPC trace exporter in a BatchSpanProcessor, metric and log`,
    `exporters none, pino to /dev/null with a trace mixin. Skein also ships every log line to a Loki sink.`,
    `Spans per request (warm-up): ${Object.values(svc.variants)
      .map((v) => `${v.key} ${v.spanNames.join(', ') || '0'}`)
      .join('; ')}.`,
    sdkWithInstrumentations
      ? ''
      : 'This @skein/sdk build has no instrumentations.js (no express/pg spans): not final.',
  ]
    .filter(Boolean)
    .join('\n'),
)
