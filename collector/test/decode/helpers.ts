/**
 * Test fixtures for the decoders: real spans and log records from the OpenTelemetry SDKs (so the
 * payloads come from the real serializers), and a tiny protobuf writer for the malformed inputs
 * no real serializer would produce.
 */
import {
  createTraceState,
  ROOT_CONTEXT,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { expect } from 'vitest'

export const REMOTE_PARENT: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: 1,
  isRemote: true,
  traceState: createTraceState('vendor=abc,other=x'),
}

export const LINKED: SpanContext = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: 1,
  traceState: createTraceState('lk=1'),
}

/** Span attributes of every type the SDK allows, including an int above 2^53. */
export const SPAN_ATTRIBUTES = {
  'http.request.method': 'GET',
  'http.response.status_code': 500,
  'big.int': 2 ** 60,
  'neg.int': -42,
  ratio: 0.25,
  tiny: 1e-7,
  ok: false,
  tags: ['a', 'b'],
  codes: [1, 2],
  flags: [true, false],
  mixed: [1.5, 2],
}

/**
 * Three finished spans of one trace, from a real tracer: a server span under a remote parent (with
 * an event, a link, an error status), its internal child, and a root span of another trace.
 */
export function recordSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders', 'host.name': 'box-1', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  })
  const tracer = provider.getTracer('skein-test', '1.2.3')
  const server = tracer.startSpan(
    'GET /orders/:id',
    {
      kind: SpanKind.SERVER,
      startTime: [1_700_000_000, 123_456_789],
      attributes: SPAN_ATTRIBUTES,
      links: [{ context: LINKED, attributes: { 'link.kind': 'follows' } }],
    },
    trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT),
  )
  server.addEvent('cache miss', { 'cache.key': 'order:42', attempt: 2 }, [1_700_000_000, 200_000_001])
  server.addEvent('retry', undefined, [1_700_000_000, 300_000_000])
  const child = tracer.startSpan(
    'SELECT orders',
    { kind: SpanKind.CLIENT, startTime: [1_700_000_000, 150_000_000] },
    trace.setSpan(ROOT_CONTEXT, server),
  )
  child.setStatus({ code: SpanStatusCode.OK })
  child.end([1_700_000_000, 150_000_000]) // zero duration
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'db timeout' })
  server.end([1_700_000_001, 23_456_790]) // 900 000 001 ns after start
  const root = tracer.startSpan(
    'tick',
    { kind: SpanKind.INTERNAL, startTime: [1_700_000_002, 0] },
    ROOT_CONTEXT,
  )
  root.end([1_700_000_003, 1])
  return exporter.getFinishedSpans()
}

/** A span carrying the AnyValue types the tracing SDK refuses as attributes (bytes, maps). */
export function spanWithRichAttributes(base: ReadableSpan): ReadableSpan {
  return {
    name: 'rich',
    kind: SpanKind.PRODUCER,
    spanContext: () => base.spanContext(),
    parentSpanContext: undefined,
    startTime: base.startTime,
    endTime: base.endTime,
    status: { code: SpanStatusCode.UNSET },
    attributes: {
      bytes: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
      map: { z: 1, a: 'x', nested: { b: true }, list: [0.5, 'y'] },
      'arr.bytes': [new Uint8Array([1, 2])],
    } as never,
    links: [],
    events: [],
    duration: base.duration,
    ended: true,
    resource: base.resource,
    instrumentationScope: { name: 'rich-scope' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  }
}

/** Log records from a real LoggerProvider: one inside a span context, one without, one with a map body. */
export async function recordLogs(): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'billing', 'deployment.environment': 'test' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  })
  const logger = provider.getLogger('billing-logger', '0.9.0', {
    schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
  })
  logger.emit({
    timestamp: [1_700_000_000, 987_654_321],
    observedTimestamp: [1_700_000_001, 0],
    severityNumber: SeverityNumber.WARN,
    severityText: 'WARN',
    body: 'card declined',
    attributes: { 'order.id': 42, amount: 12.5, 'big.int': 2 ** 60, retry: true, ids: ['a', 'b'] },
    context: trace.setSpanContext(ROOT_CONTEXT, REMOTE_PARENT),
  })
  logger.emit({
    observedTimestamp: [1_700_000_005, 5],
    severityNumber: SeverityNumber.INFO,
    body: { event: 'charged', cents: 1250 },
  })
  // The simple processor exports on a later tick.
  await provider.forceFlush()
  return exporter.getFinishedLogRecords()
}

// ---------------------------------------------------------------------------------------------
// Errors

/** The code of the error `fn` throws (`SKEIN_ERR_…`), or undefined when it throws none. */
export function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return (e as { code?: string }).code
  }
  return undefined
}

/** Asserts that `fn` throws an error with this code and, if given, a message that matches. */
function expectCode(expected: string, fn: () => unknown, message?: RegExp): void {
  try {
    fn()
  } catch (e) {
    expect((e as { code?: string }).code).toBe(expected)
    if (message) expect((e as Error).message).toMatch(message)
    return
  }
  throw new Error(`expected ${expected}, nothing was thrown`)
}

export const expectBadProtobuf = (fn: () => unknown, message?: RegExp) =>
  expectCode('SKEIN_ERR_BAD_PROTOBUF', fn, message)
export const expectBadJson = (fn: () => unknown, message?: RegExp) =>
  expectCode('SKEIN_ERR_BAD_JSON', fn, message)

// ---------------------------------------------------------------------------------------------
// A minimal protobuf writer for hand-made (and deliberately broken) messages.

export function varint(n: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(n))
  const out: number[] = []
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return out
}

export function tag(field: number, wire: number): number[] {
  return varint((field << 3) | wire)
}

/** A length-delimited field. */
export function ld(field: number, ...parts: (number[] | Uint8Array | string)[]): number[] {
  const body: number[] = []
  for (const p of parts) body.push(...(typeof p === 'string' ? Buffer.from(p) : p))
  return [...tag(field, 2), ...varint(body.length), ...body]
}

export function fixed64(field: number, n: bigint): number[] {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(n)
  return [...tag(field, 1), ...b]
}

export function vfield(field: number, n: bigint | number): number[] {
  return [...tag(field, 0), ...varint(n)]
}

export function bytes(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat())
}

export function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** A Span message with the given ids (hex; '' leaves the field out) and a name. */
export function spanMsg(traceId: string, spanId: string, parent = '', name = 'op'): number[] {
  return [
    ...(traceId ? ld(1, hexBytes(traceId)) : []),
    ...(spanId ? ld(2, hexBytes(spanId)) : []),
    ...(parent ? ld(4, hexBytes(parent)) : []),
    ...ld(5, name),
    ...fixed64(7, 1_700_000_000_000_000_000n),
    ...fixed64(8, 1_700_000_000_000_000_500n),
  ]
}

/** An ExportTraceServiceRequest with one resource and one scope holding the given Span messages. */
export function traceRequest(...spans: number[][]): Uint8Array {
  const scopeSpans = ld(2, ...spans.map((s) => ld(2, s)))
  return bytes(ld(1, scopeSpans))
}

/** What a row's resource and scope columns should say (positions from rows.ts: S or L). */
export function expectEnvelope(
  row: unknown[],
  at: { ServiceName: number; ResourceAttributes: number; ScopeName: number; ScopeVersion: number },
  want: { service: string; resource: Record<string, string>; scope: [name: string, version: string] },
): void {
  expect(row[at.ServiceName]).toBe(want.service)
  expect(row[at.ResourceAttributes]).toMatchObject(want.resource)
  expect([row[at.ScopeName], row[at.ScopeVersion]]).toEqual(want.scope)
}
