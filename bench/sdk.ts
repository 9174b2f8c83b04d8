/**
 * SDK overhead. Run: `node --import tsx bench/sdk.ts` (npm run bench:sdk).
 *
 * 1. pino log calls per second inside an active span, with the trace mixin vs plain pino,
 *    both serialising to /dev/null. Bar: slowdown ≤ 1.3.
 * 2. requests per second of a small HTTP server (one log line per request) with the SDK vs without.
 *    The SDK exports to sinks in this process that accept OTLP gRPC and Loki pushes and store nothing,
 *    so the figure is the SDK's cost, not a collector's.
 * Medians of several rounds; rounds alternate between the two variants.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { Agent, createServer, request } from 'node:http'
import { fileURLToPath } from 'node:url'
import * as grpc from '@grpc/grpc-js'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import { traceMixin, traceStreamWrite } from '@skein/sdk'
import pino from 'pino'
import { record } from './lib/results.js'

const ROUNDS = Number(process.env.ROUNDS ?? 5)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
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

/** OTLP gRPC and Loki push endpoints that accept everything and keep nothing. */
async function startSinks() {
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
    // an empty ExportTraceServiceResponse is zero bytes of protobuf
    { export: (_call: unknown, cb: (err: null, res: Buffer) => void) => cb(null, Buffer.alloc(0)) },
  )
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  )
  const loki = createServer((req, res) => {
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
    close: () => {
      grpcServer.forceShutdown()
      loki.close()
    },
  }
}

async function startServer(withSdk: boolean, env: Record<string, string>) {
  const child = fork(fileURLToPath(new URL('./fixtures/sdk-server.mjs', import.meta.url)), [], {
    execArgv: [],
    env: { ...process.env, ...env, WITH_SDK: withSdk ? '1' : '0' },
  })
  const [{ port }] = (await once(child, 'message')) as [{ port: number }]
  return { port, stop: () => child.kill() }
}

/** Requests per second over `seconds`, `concurrency` keep-alive connections. */
async function load(port: number, seconds: number, concurrency = 16): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const deadline = Date.now() + seconds * 1000
  let done = 0
  const one = () =>
    new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/orders/1', agent }, (res) => {
        res.resume()
        res.on('end', resolve)
      })
        .on('error', reject)
        .end()
    })
  const worker = async () => {
    while (Date.now() < deadline) {
      await one()
      done++
    }
  }
  const start = Date.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  agent.destroy()
  return done / ((Date.now() - start) / 1000)
}

async function benchHttp() {
  const sinks = await startSinks()
  const plain = await startServer(false, sinks.env)
  const sdk = await startServer(true, sinks.env)
  await load(plain.port, 1)
  await load(sdk.port, 1)
  const plainRates: number[] = []
  const sdkRates: number[] = []
  const ratios: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const p = await load(plain.port, 2)
    const s = await load(sdk.port, 2)
    plainRates.push(p)
    sdkRates.push(s)
    ratios.push(p / s)
  }
  plain.stop()
  sdk.stop()
  sinks.close()
  return { plain: median(plainRates), sdk: median(sdkRates), slowdown: median(ratios) }
}

const log = await benchLogger()
console.log(
  `pino, inside a span, ${ROUNDS * 3} interleaved rounds of 50k calls (medians; slowdown = median of per-round ratios):`,
)
console.log(`  plain pino        ${fmt(log.plain)} calls/s`)
console.log(`  SDK logger        ${fmt(log.mixin)} calls/s (trace fields by the streamWrite hook)`)
console.log(
  `  slowdown          ${log.slowdown.toFixed(2)}x (bar: <= 1.30) ${log.slowdown <= 1.3 ? 'PASS' : 'FAIL'}`,
)
console.log(`  traceMixin()      ${log.mixinSlowdown.toFixed(2)}x slowdown (for an application's own logger)`)
const http = await benchHttp()
console.log(
  `HTTP server, one log line per request, ${ROUNDS} interleaved rounds of 2 s, 16 connections (medians):`,
)
console.log(`  without SDK       ${fmt(http.plain)} req/s`)
console.log(`  with @skein/sdk   ${fmt(http.sdk)} req/s`)
console.log(`  slowdown          ${http.slowdown.toFixed(2)}x`)
record(
  'sdk',
  {
    pinoPlain: log.plain,
    pinoMixin: log.mixin,
    pinoSlowdown: log.slowdown,
    httpPlain: http.plain,
    httpSdk: http.sdk,
    httpSlowdown: http.slowdown,
  },
  [
    ['pino calls/s, plain (baseline)', fmt(log.plain)],
    ['pino calls/s, SDK logger inside a span (streamWrite hook)', fmt(log.mixin)],
    ['SDK logger slowdown, median of per-round ratios (bar ≤ 1.30)', `${log.slowdown.toFixed(2)}x`],
    ['traceMixin() slowdown (an application’s own logger)', `${log.mixinSlowdown.toFixed(2)}x`],
    ['HTTP req/s without the SDK (baseline)', fmt(http.plain)],
    ['HTTP req/s with @skein/sdk', fmt(http.sdk)],
    ['HTTP slowdown', `${http.slowdown.toFixed(2)}x`],
  ],
)
