/**
 * Spans sent by the official OpenTelemetry JS exporters (gRPC, HTTP/JSON, HTTP/protobuf) to a real
 * collector come back through the query API with every field intact.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector?.stop()
})

/** A recent second, fixed once, so every time derived from it is stable within a test. */
const BASE_SEC = Math.floor(Date.now() / 1000) - 5
/** BASE_SEC + offset, as [seconds, nanoseconds] with a known nanosecond part, so precision loss would show. */
function hr(offsetNs: number): [number, number] {
  return [BASE_SEC + Math.floor((123_456_789 + offsetNs) / 1e9), (123_456_789 + offsetNs) % 1e9]
}
const toNs = ([s, n]: [number, number]) => (BigInt(s) * 1_000_000_000n + BigInt(n)).toString()

async function sendTrace(exporter: SpanExporter, label: string) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': `svc-${label}`,
      'service.version': '1.2.3',
      'host.name': 'box',
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const tracer = provider.getTracer('skein-test-scope', '9.9.9')
  const rootStart = hr(0)
  const root = tracer.startSpan(`GET /orders/${label}`, { kind: SpanKind.SERVER, startTime: rootStart })
  const childStart = hr(1_000_001)
  const linkCtx = { traceId: 'f'.repeat(32), spanId: 'e'.repeat(16), traceFlags: 1 }
  const child = tracer.startSpan(
    'SELECT orders',
    {
      kind: SpanKind.CLIENT,
      startTime: childStart,
      attributes: {
        'db.system': 'postgresql',
        'str.attr': 'héllo "quoted" <b>',
        'int.attr': 42,
        'neg.attr': -7,
        'double.attr': 3.25,
        'bool.attr': true,
        'strs.attr': ['a', 'b'],
        'ints.attr': [1, 2, 3],
        'bools.attr': [true, false],
      },
      links: [{ context: linkCtx, attributes: { 'link.kind': 'retry-of' } }],
    },
    trace.setSpan(context.active(), root),
  )
  child.addEvent('rows fetched', { rows: 12 }, hr(2_500_003))
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' })
  const childEnd = hr(7_654_321)
  child.end(childEnd)
  const rootEnd = hr(12_000_000)
  root.setStatus({ code: SpanStatusCode.OK })
  root.end(rootEnd)
  await provider.forceFlush()
  await provider.shutdown()
  return {
    traceId: root.spanContext().traceId,
    rootId: root.spanContext().spanId,
    childId: child.spanContext().spanId,
    rootStartNs: toNs(rootStart),
    childStartNs: toNs(childStart),
    childDurationNs: (BigInt(toNs(childEnd)) - BigInt(toNs(childStart))).toString(),
    rootDurationNs: (BigInt(toNs(rootEnd)) - BigInt(toNs(rootStart))).toString(),
    eventNs: toNs(hr(2_500_003)),
    linkCtx,
  }
}

const exporters: [string, () => SpanExporter][] = [
  ['grpc', () => new GrpcExporter({ url: collector.grpcUrl })],
  ['http-json', () => new HttpJsonExporter({ url: `${collector.ingestUrl}/v1/traces` })],
  ['http-proto', () => new ProtoExporter({ url: `${collector.ingestUrl}/v1/traces` })],
  [
    'http-proto-gzip',
    () => new ProtoExporter({ url: `${collector.ingestUrl}/v1/traces`, compression: 'gzip' as any }),
  ],
]

describe.each(exporters)('spans sent with the %s exporter', (label, make) => {
  it('come back through the API with every field intact', async () => {
    const sent = await sendTrace(make(), label)
    const { body } = await eventually(async () => {
      const r = await getJson(`${collector.apiUrl}/api/v1/traces/${sent.traceId}`)
      return r.status === 200 && r.body.spans.length === 2 ? r : undefined
    })
    expect(body.traceId).toBe(sent.traceId)
    const [root, child] = body.spans
    expect(root).toMatchObject({
      spanId: sent.rootId,
      parentSpanId: '',
      service: `svc-${label}`,
      name: `GET /orders/${label}`,
      kind: 'Server',
      startNs: sent.rootStartNs,
      durationNs: sent.rootDurationNs,
      statusCode: 'Ok',
    })
    expect(root.durationMs).toBeCloseTo(Number(sent.rootDurationNs) / 1e6, 6)
    expect(root.start).toBe(new Date(Number(BigInt(sent.rootStartNs) / 1_000_000n)).toISOString())
    expect(child).toMatchObject({
      spanId: sent.childId,
      parentSpanId: sent.rootId,
      kind: 'Client',
      startNs: sent.childStartNs,
      durationNs: sent.childDurationNs,
      statusCode: 'Error',
      statusMessage: 'deadlock detected',
    })
    expect(child.attributes).toEqual({
      'db.system': 'postgresql',
      'str.attr': 'héllo "quoted" <b>',
      'int.attr': '42',
      'neg.attr': '-7',
      'double.attr': '3.25',
      'bool.attr': 'true',
      'strs.attr': '["a","b"]',
      'ints.attr': '[1,2,3]',
      'bools.attr': '[true,false]',
    })
    expect(child.resource).toMatchObject({
      'service.name': `svc-${label}`,
      'service.version': '1.2.3',
      'host.name': 'box',
    })
    expect(child.scope).toEqual({ name: 'skein-test-scope', version: '9.9.9' })
    expect(child.events).toEqual([
      {
        timestampNs: sent.eventNs,
        timestamp: expect.any(String),
        name: 'rows fetched',
        attributes: { rows: '12' },
      },
    ])
    expect(child.links).toEqual([
      {
        traceId: sent.linkCtx.traceId,
        spanId: sent.linkCtx.spanId,
        traceState: '',
        attributes: { 'link.kind': 'retry-of' },
      },
    ])
  })
})

describe('the services endpoint', () => {
  it('lists the services that sent spans', async () => {
    const { body } = await eventually(async () => {
      const r = await getJson(`${collector.apiUrl}/api/v1/services`)
      return r.body.services.length >= exporters.length ? r : undefined
    })
    expect(body.services.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(exporters.map(([l]) => `svc-${l}`)),
    )
  })
})

describe('the trace endpoint', () => {
  it('answers 404 with a coded error for an unknown trace', async () => {
    const r = await getJson(`${collector.apiUrl}/api/v1/traces/${'1'.repeat(32)}`)
    expect(r.status).toBe(404)
    expect(r.body.error.code).toBe('SKEIN_ERR_NOT_FOUND')
  })
  it('answers 400 naming the parameter for a malformed id', async () => {
    const r = await getJson(`${collector.apiUrl}/api/v1/traces/not-hex`)
    expect(r.status).toBe(400)
    expect(r.body.error.message).toMatch(/traceId/)
  })
})
