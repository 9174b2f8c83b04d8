/**
 * A load generator for benchmarks and load tests: OTLP spans over HTTP protobuf and gRPC, and log lines
 * over Loki push, at a fixed concurrency each, retrying refused (503 / UNAVAILABLE) requests after a
 * pause, and counting only what was acknowledged. Bounded by count; stops by itself.
 */
import { Agent, request } from 'node:http'
import * as grpc from '@grpc/grpc-js'
import { makePayload, type Payload, withFreshIds } from './otlp-gen.js'

export interface LoadOptions {
  ingestUrl: string
  grpcPort: number
  /** Spans to send over HTTP and over gRPC (each), in requests of `spansPerRequest`. */
  httpSpans: number
  grpcSpans: number
  /** Log lines over Loki push, in requests of `linesPerPush`. */
  logLines: number
  linesPerPush?: number
  /**
   * Each Loki line in a stream of its own, as pino-loki sends them (default: one stream per push, as
   * Promtail groups lines).
   */
  streamPerRecord?: boolean
  /** Spans per OTLP request (default 100; the OTel SDK's batch span processor sends up to 512). */
  spansPerRequest?: number
  concurrency?: { http?: number; grpc?: number; loki?: number }
  /** Called with the trace ids (hex) of every acknowledged span request. */
  onAckedTraces?: (traceIds: string[]) => void
  /** The request id of the first Loki push (default 0): runs against one store number theirs apart. */
  firstPush?: number
  /** Called with the request id of every acknowledged Loki push (the `req` attribute of its lines). */
  onAckedPush?: (req: number, lines: number) => void
  /** Stop sending new requests when this returns true (requests in flight finish). */
  stop?: () => boolean
  retryDelayMs?: number
  /** Called with the time, in ms, from sending to the answer of every acknowledged request. */
  onAckMs?: (ms: number) => void
  /** At most this many requests a second per protocol, spread evenly (default: as fast as answered). */
  requestsPerSecond?: number
}

export interface LoadResult {
  ackedSpans: number
  ackedLogs: number
  refused: number
  /** Requests that failed other than by refusal (connection reset when the server was killed, …). */
  failed: number
  seconds: number
}

const TRACE_SERVICE = '/opentelemetry.proto.collector.trace.v1.TraceService/Export'

/**
 * POST with node:http on a keep-alive agent: the load generator shares the machine with the collector,
 * and this costs it less CPU than fetch. Resolves with the status, or 0 when the connection failed.
 */
export function post(agent: Agent, url: URL, contentType: string, body: Buffer | string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        method: 'POST',
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
        res.on('error', () => resolve(0))
      },
    )
    req.on('error', () => resolve(0))
    req.end(body)
  })
}

function traceIdsOf(p: Payload, body: Buffer): string[] {
  const ids: string[] = []
  for (let i = 0; i < p.traceIdOffsets.length; i += 10)
    ids.push(body.subarray(p.traceIdOffsets[i], p.traceIdOffsets[i] + 16).toString('hex'))
  return ids
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const per = o.spansPerRequest ?? 100
  const linesPerPush = o.linesPerPush ?? 500
  const templates = Array.from({ length: 50 }, (_, i) => makePayload(per, i))
  const retryDelay = o.retryDelayMs ?? 100
  const stopped = () => o.stop?.() === true
  const result: LoadResult = { ackedSpans: 0, ackedLogs: 0, refused: 0, failed: 0, seconds: 0 }
  const pause = () => new Promise((r) => setTimeout(r, retryDelay * (0.5 + Math.random())))
  /** Paced load: each protocol's requests leave at evenly spaced times. */
  const slots = { http: performance.now(), grpc: performance.now(), loki: performance.now() }
  const paced = async (protocol: keyof typeof slots) => {
    if (!o.requestsPerSecond) return
    const at = slots[protocol]
    slots[protocol] = Math.max(at, performance.now()) + 1000 / o.requestsPerSecond
    const wait = at - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
  const timed = async <T>(send: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now()
    const v = await send()
    return [v, performance.now() - t0]
  }

  const agent = new Agent({ keepAlive: true, maxSockets: 256 })
  const tracesUrl = new URL(`${o.ingestUrl}/v1/traces`)
  const lokiUrl = new URL(`${o.ingestUrl}/loki/api/v1/push`)
  let httpNext = 0
  async function httpWorker() {
    for (;;) {
      const i = httpNext++
      if (i >= o.httpSpans / per || stopped()) return
      const t = templates[i % templates.length]
      const body = withFreshIds(t)
      for (;;) {
        if (stopped()) return
        await paced('http')
        const [status, ms] = await timed(() => post(agent, tracesUrl, 'application/x-protobuf', body))
        if (status === 0) {
          result.failed++
          return
        }
        if (status === 200) {
          o.onAckMs?.(ms)
          result.ackedSpans += per
          o.onAckedTraces?.(traceIdsOf(t, body))
          break
        }
        if (status === 503) {
          result.refused++
          await pause()
          continue
        }
        throw new Error(`HTTP ${status} for a valid span request`)
      }
    }
  }

  let grpcNext = 0
  const client = new grpc.Client(`127.0.0.1:${o.grpcPort}`, grpc.credentials.createInsecure())
  const exportCall = (body: Buffer) =>
    new Promise<number>((resolve) =>
      client.makeUnaryRequest(
        TRACE_SERVICE,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        { deadline: Date.now() + 120_000 },
        (err) => resolve(err ? err.code : 0),
      ),
    )
  async function grpcWorker() {
    for (;;) {
      const i = grpcNext++
      if (i >= o.grpcSpans / per || stopped()) return
      const t = templates[(i + 7) % templates.length]
      const body = withFreshIds(t)
      for (;;) {
        if (stopped()) return
        await paced('grpc')
        const [code, ms] = await timed(() => exportCall(body))
        if (code === grpc.status.OK) {
          o.onAckMs?.(ms)
          result.ackedSpans += per
          o.onAckedTraces?.(traceIdsOf(t, body))
          break
        }
        if (code === grpc.status.UNAVAILABLE && !stopped()) {
          result.refused++
          await pause()
          continue
        }
        result.failed++
        return
      }
    }
  }

  const firstPush = o.firstPush ?? 0
  let lokiNext = firstPush
  async function lokiWorker() {
    for (;;) {
      const req = lokiNext++
      if (req - firstPush >= o.logLines / linesPerPush || stopped()) return
      const base = BigInt(Date.now()) * 1_000_000n
      const values = Array.from({ length: linesPerPush }, (_, i) => [
        `${base + BigInt(i)}`,
        JSON.stringify({
          level: 30,
          msg: `order ${req}-${i} processed`,
          req,
          i,
          trace_id: '0af7651916cd43dd8448eb211c80319c',
        }),
      ])
      const stream = { service_name: `load-${req % 4}`, env: 'load' }
      const body = JSON.stringify({
        streams: o.streamPerRecord ? values.map((v) => ({ stream, values: [v] })) : [{ stream, values }],
      })
      for (;;) {
        if (stopped()) return
        await paced('loki')
        const [status, ms] = await timed(() => post(agent, lokiUrl, 'application/json', body))
        if (status === 0) {
          result.failed++
          return
        }
        if (status === 204) {
          o.onAckMs?.(ms)
          result.ackedLogs += linesPerPush
          o.onAckedPush?.(req, linesPerPush)
          break
        }
        if (status === 503) {
          result.refused++
          await pause()
          continue
        }
        throw new Error(`HTTP ${status} for a valid Loki push`)
      }
    }
  }

  const t0 = performance.now()
  const c = o.concurrency ?? {}
  try {
    await Promise.all([
      ...Array.from({ length: c.http ?? 8 }, httpWorker),
      ...Array.from({ length: c.grpc ?? 8 }, grpcWorker),
      ...Array.from({ length: c.loki ?? 4 }, lokiWorker),
    ])
  } finally {
    client.close()
    agent.destroy()
  }
  result.seconds = (performance.now() - t0) / 1000
  return result
}
