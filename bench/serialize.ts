/**
 * Answer serialization of the query API. Run: `node --import tsx bench/serialize.ts`.
 *
 * The query port serializes each answer with fast-json-stringify compiled from the route's answer
 * schema in @skein/model (fastify's default serializer compiler, given `response` schemas: query/route.ts).
 * This measures what that buys on the largest answer there is, one trace by id, against JSON.stringify
 * (what fastify does without a schema): a 10,000-span trace over 8 services (12 span attributes, 6
 * resource attributes each, an event on one span in five) with 2,000 log lines. Also the same schema with
 * its attribute maps as `additionalProperties` instead of TypeBox's `patternProperties: {"^.*$"}`, to pick
 * the map encoding. Every serializer's output is checked to parse to the same value. Medians of ROUNDS
 * interleaved rounds, one core.
 */
import { createRequire } from 'node:module'
import {
  type LogRecord,
  MAX_LIMIT,
  ROUTES,
  type Span,
  type TraceAnswer,
  type TraceSearchAnswer,
} from '@skein/model'
import fastJson from 'fast-json-stringify'
import { record } from './lib/results.js'

const SPANS = Number(process.env.SPANS ?? 10_000)
const LOGS = Number(process.env.LOGS ?? 2_000)
const ROUNDS = Number(process.env.ROUNDS ?? 15)
const WARMUP = 5
const fjsVersion = createRequire(import.meta.url)('fast-json-stringify/package.json').version as string
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')
const T0 = 1_765_000_000_000_000_000n

function makeTrace(): TraceAnswer {
  const traceId = hex(0xabcdef, 32)
  const spans: Span[] = []
  for (let i = 0; i < SPANS; i++) {
    const service = `service-${i % 8}`
    const startNs = (T0 + BigInt(i) * 250_000n).toString()
    const durationNs = String(1_000_000 + (i % 97) * 13_000)
    const attributes: Record<string, string> = {
      'http.request.method': 'GET',
      'http.route': `/orders/:id/items/${i % 13}`,
      'http.response.status_code': '200',
      'url.path': `/orders/${i}/items/${i % 13}`,
      'server.address': `${service}.internal`,
      'server.port': '8080',
      'network.protocol.version': '1.1',
      'user_agent.original': 'node-fetch/1.0',
      'db.system': 'postgresql',
      'db.statement': 'SELECT id, total FROM orders WHERE id = $1',
      'thread.id': String(i % 4),
      'app.tenant': `tenant-${i % 31}`,
    }
    spans.push({
      traceId,
      spanId: hex(i + 1, 16),
      parentSpanId: i === 0 ? '' : hex(Math.floor(i / 3) + 1, 16),
      service,
      name: `GET /orders/:id/items/${i % 13}`,
      kind: i % 2 ? 'Client' : 'Server',
      startNs,
      start: new Date(Number(BigInt(startNs) / 1_000_000n)).toISOString(),
      durationNs,
      durationMs: Number(durationNs) / 1e6,
      statusCode: i % 50 === 0 ? 'Error' : 'Unset',
      statusMessage: i % 50 === 0 ? 'connection reset by peer' : '',
      attributes,
      resource: {
        'service.name': service,
        'service.version': '1.4.2',
        'host.name': `ip-10-0-3-${i % 8}`,
        'process.pid': String(1000 + (i % 8)),
        'telemetry.sdk.language': 'nodejs',
        'telemetry.sdk.version': '2.2.0',
      },
      scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0' },
      traceState: '',
      events:
        i % 5 === 0
          ? [
              {
                timestampNs: startNs,
                timestamp: new Date(Number(BigInt(startNs) / 1_000_000n)).toISOString(),
                name: 'exception',
                attributes: { 'exception.type': 'Error', 'exception.message': 'boom' },
              },
            ]
          : [],
      links: [],
    })
  }
  const logs: LogRecord[] = []
  for (let i = 0; i < LOGS; i++) {
    const ns = (T0 + BigInt(i) * 1_250_000n).toString()
    logs.push({
      timestampNs: ns,
      timestamp: new Date(Number(BigInt(ns) / 1_000_000n)).toISOString(),
      service: `service-${i % 8}`,
      severityText: i % 20 ? 'info' : 'error',
      severityNumber: i % 20 ? 9 : 17,
      body: `order ${i} loaded in ${i % 40} ms`,
      traceId,
      spanId: hex((i % SPANS) + 1, 16),
      traceFlags: 1,
      attributes: { hostname: 'ip-10-0-3-17', pid: '4242', orderId: String(i) },
      resource: { 'service.name': `service-${i % 8}` },
    })
  }
  return { traceId, truncated: false, spans, logs }
}

/** The schema with every `patternProperties: {"^.*$": S}` map as `additionalProperties: S`. */
function withAdditionalProperties(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withAdditionalProperties)
  if (typeof schema !== 'object' || schema === null) return schema
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'patternProperties' && Object.keys(v as object).join() === '^.*$')
      out.additionalProperties = withAdditionalProperties((v as Record<string, unknown>)['^.*$'])
    else out[k] = withAdditionalProperties(v)
  }
  return out
}

function makeSearch(n: number): TraceSearchAnswer {
  const traces = Array.from({ length: n }, (_, i) => {
    const startNs = (T0 + BigInt(i) * 1_000_000_000n).toString()
    return {
      traceId: hex(i + 1, 32),
      rootService: 'gateway',
      rootName: 'POST /api/checkout',
      startNs,
      start: new Date(Number(BigInt(startNs) / 1_000_000n)).toISOString(),
      durationNs: String(12_345_678 + i),
      durationMs: (12_345_678 + i) / 1e6,
      spanCount: 40 + (i % 9),
      errorCount: i % 7 === 0 ? 1 : 0,
      services: ['gateway', 'orders', 'payments', 'users'],
    }
  })
  return { traces }
}

type Serializer = [name: string, f: (x: unknown) => string]

/** Median ms per serializer of `value`, each output checked against JSON.stringify's. */
function measure(label: string, value: unknown, serializers: Serializer[]): Record<string, number> {
  const expected = JSON.stringify(value)
  for (const [name, f] of serializers)
    if (JSON.stringify(JSON.parse(f(value))) !== expected)
      throw new Error(`${label}, ${name}: not the same answer`)
  const times = new Map<string, number[]>(serializers.map(([n]) => [n, []]))
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    for (const [name, f] of serializers) {
      const t = performance.now()
      f(value)
      if (round >= WARMUP) times.get(name)!.push(performance.now() - t)
    }
  }
  const ms = Object.fromEntries([...times].map(([n, xs]) => [n, median(xs)]))
  console.log(`${label} (${(Buffer.byteLength(expected) / 2 ** 20).toFixed(1)} MiB)`)
  for (const [n, v] of Object.entries(ms)) console.log(`  ${n}: ${v.toFixed(2)} ms`)
  return ms
}

const fjs = (schema: unknown) => fastJson(JSON.parse(JSON.stringify(schema))) as (x: unknown) => string
const trace = makeTrace()
const traceMs = measure(`trace by id, ${SPANS} spans and ${LOGS} logs`, trace, [
  ['json', JSON.stringify],
  ['fjs', fjs(ROUTES.getTrace.response[200])],
  ['fjsAdditional', fjs(withAdditionalProperties(JSON.parse(JSON.stringify(ROUTES.getTrace.response[200]))))],
])
const search = makeSearch(MAX_LIMIT)
const searchMs = measure(`trace search, ${MAX_LIMIT} traces`, search, [
  ['json', JSON.stringify],
  ['fjs', fjs(ROUTES.searchTraces.response[200])],
])
const traceBytes = Buffer.byteLength(JSON.stringify(trace))

record(
  'serialize',
  { spans: SPANS, logs: LOGS, traceBytes, trace: traceMs, search: searchMs },
  [
    [
      `trace by id (${SPANS} spans, ${LOGS} logs, ${(traceBytes / 2 ** 20).toFixed(1)} MiB): JSON.stringify (ms)`,
      traceMs.json.toFixed(1),
    ],
    [
      '  fast-json-stringify from the answer schema, maps as patternProperties, as declared (ms)',
      traceMs.fjs.toFixed(1),
    ],
    ['  fast-json-stringify, maps as additionalProperties (ms)', traceMs.fjsAdditional.toFixed(1)],
    ['  ratio fast-json-stringify (as declared) / JSON.stringify', (traceMs.fjs / traceMs.json).toFixed(2)],
    [`trace search (${MAX_LIMIT} traces): JSON.stringify (ms)`, searchMs.json.toFixed(2)],
    ['  fast-json-stringify from the answer schema (ms)', searchMs.fjs.toFixed(2)],
    ['  ratio fast-json-stringify / JSON.stringify', (searchMs.fjs / searchMs.json).toFixed(2)],
  ],
  `Trace: ${SPANS} spans over 8 services (12 span and 6 resource attributes each, an event on one span in five) and ${LOGS} log lines. Search: the largest page (limit ${MAX_LIMIT}). Medians of ${ROUNDS} interleaved rounds after ${WARMUP} warm-up rounds; fast-json-stringify ${fjsVersion}.`,
)
