/**
 * A stored trace in OTLP's shapes, as Tempo answers a trace by id: protobuf written by OpenTelemetry JS's
 * own OTLP serializer (@opentelemetry/otlp-transformer, the one the OTLP/proto exporters use), and OTLP
 * JSON in protojson's spelling (ids in base64, enums by name, 64-bit numbers as strings), which is what
 * Tempo's JSON answers are.
 *
 * Tempo's `Trace` message (`repeated ResourceSpans resourceSpans = 1`) has the same wire form as OTLP's
 * `ExportTraceServiceRequest` (`repeated ResourceSpans resource_spans = 1`), so the serializer's output is
 * a Tempo v1 answer as it is; the v2 answer (`TraceByIDResponse`) wraps it as its field 1.
 *
 * Attributes are stored as text (the exporter's `Map(String, String)`), so they come back as strings.
 */
import type { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import type { Span } from '@skein/model'

type ReadableSpan = Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0][number]

/**
 * The serializer's package is loaded on the first protobuf answer, not at start-up: it brings the OTel
 * SDK's modules (about 350 ms of a collector's start, measured here) for one endpoint's use.
 */
let serializer: Promise<typeof ProtobufTraceSerializer> | undefined
const loadSerializer = () => {
  serializer ??= import('@opentelemetry/otlp-transformer').then((m) => m.ProtobufTraceSerializer)
  return serializer
}

/** The API's SpanKind numbers (the serializer adds 1 for OTLP's); -1 for Unspecified (OTLP 0, left out). */
const KIND_API: Readonly<Record<string, number>> = {
  Internal: 0,
  Server: 1,
  Client: 2,
  Producer: 3,
  Consumer: 4,
}
const KIND_JSON: Readonly<Record<string, string>> = {
  Unspecified: 'SPAN_KIND_UNSPECIFIED',
  Internal: 'SPAN_KIND_INTERNAL',
  Server: 'SPAN_KIND_SERVER',
  Client: 'SPAN_KIND_CLIENT',
  Producer: 'SPAN_KIND_PRODUCER',
  Consumer: 'SPAN_KIND_CONSUMER',
}
const STATUS_API: Readonly<Record<string, number>> = { Unset: 0, Ok: 1, Error: 2 }
const STATUS_JSON: Readonly<Record<string, string>> = {
  Unset: 'STATUS_CODE_UNSET',
  Ok: 'STATUS_CODE_OK',
  Error: 'STATUS_CODE_ERROR',
}

const hr = (ns: string): [number, number] => {
  const n = BigInt(ns)
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)]
}
const plus = (a: string, b: string) => (BigInt(a) + BigInt(b)).toString()

/** Spans grouped by resource (service and resource attributes), then by scope, in start order. */
function grouped(spans: readonly Span[]) {
  const resources = new Map<string, { resource: Record<string, string>; scopes: Map<string, Span[]> }>()
  for (const s of spans) {
    const resource = { 'service.name': s.service, ...s.resource }
    const rkey = JSON.stringify(resource)
    let r = resources.get(rkey)
    if (!r) {
      r = { resource, scopes: new Map() }
      resources.set(rkey, r)
    }
    const skey = JSON.stringify([s.scope.name, s.scope.version])
    const list = r.scopes.get(skey) ?? []
    list.push(s)
    r.scopes.set(skey, list)
  }
  return [...resources.values()]
}

/** OTLP protobuf (`ExportTraceServiceRequest`, i.e. Tempo's `Trace`) of the spans. */
export async function traceProtobuf(spans: readonly Span[]): Promise<Uint8Array> {
  const readable: ReadableSpan[] = []
  for (const g of grouped(spans)) {
    // The serializer groups by object identity: one resource object per group, one scope per scope.
    const resource = { attributes: g.resource }
    for (const list of g.scopes.values()) {
      const scope = { name: list[0].scope.name, version: list[0].scope.version || undefined }
      for (const s of list) {
        const traceState = s.traceState ? { serialize: () => s.traceState } : undefined
        readable.push({
          name: s.name,
          kind: KIND_API[s.kind] ?? -1,
          spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: 1, traceState }),
          parentSpanContext: s.parentSpanId
            ? { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1 }
            : undefined,
          startTime: hr(s.startNs),
          endTime: hr(plus(s.startNs, s.durationNs)),
          duration: hr(s.durationNs),
          status: { code: STATUS_API[s.statusCode] ?? 0, message: s.statusMessage || undefined },
          attributes: s.attributes,
          links: s.links.map((l) => ({
            context: {
              traceId: l.traceId,
              spanId: l.spanId,
              traceFlags: 1,
              traceState: l.traceState ? { serialize: () => l.traceState } : undefined,
            },
            attributes: l.attributes,
          })),
          events: s.events.map((e) => ({ name: e.name, time: hr(e.timestampNs), attributes: e.attributes })),
          ended: true,
          resource,
          instrumentationScope: scope,
          droppedAttributesCount: 0,
          droppedEventsCount: 0,
          droppedLinksCount: 0,
        } as unknown as ReadableSpan)
      }
    }
  }
  return (await loadSerializer()).serializeRequest(readable) ?? new Uint8Array()
}

/** Tempo's v2 `TraceByIDResponse`: the trace as its field 1 (length-delimited). */
export async function traceByIdResponseProtobuf(spans: readonly Span[]): Promise<Uint8Array> {
  const trace = await traceProtobuf(spans)
  const len: number[] = []
  for (let n = trace.length; ; n >>>= 7) {
    if (n < 0x80) {
      len.push(n)
      break
    }
    len.push((n & 0x7f) | 0x80)
  }
  const out = new Uint8Array(1 + len.length + trace.length)
  out[0] = (1 << 3) | 2
  out.set(len, 1)
  out.set(trace, 1 + len.length)
  return out
}

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64')
const kv = (attrs: Record<string, string>) =>
  Object.entries(attrs).map(([key, value]) => ({ key, value: { stringValue: value } }))

/** OTLP JSON in protojson's spelling: Tempo's `ResourceSpans` list. */
export function traceJson(spans: readonly Span[]): object[] {
  return grouped(spans).map((g) => ({
    resource: { attributes: kv(g.resource) },
    scopeSpans: [...g.scopes.values()].map((list) => ({
      scope: {
        name: list[0].scope.name,
        ...(list[0].scope.version ? { version: list[0].scope.version } : {}),
      },
      spans: list.map((s) => ({
        traceId: b64(s.traceId),
        spanId: b64(s.spanId),
        ...(s.traceState ? { traceState: s.traceState } : {}),
        ...(s.parentSpanId ? { parentSpanId: b64(s.parentSpanId) } : {}),
        name: s.name,
        kind: KIND_JSON[s.kind] ?? 'SPAN_KIND_UNSPECIFIED',
        startTimeUnixNano: s.startNs,
        endTimeUnixNano: plus(s.startNs, s.durationNs),
        attributes: kv(s.attributes),
        ...(s.events.length
          ? {
              events: s.events.map((e) => ({
                timeUnixNano: e.timestampNs,
                name: e.name,
                attributes: kv(e.attributes),
              })),
            }
          : {}),
        ...(s.links.length
          ? {
              links: s.links.map((l) => ({
                traceId: b64(l.traceId),
                spanId: b64(l.spanId),
                attributes: kv(l.attributes),
              })),
            }
          : {}),
        status: {
          ...(s.statusMessage ? { message: s.statusMessage } : {}),
          ...(s.statusCode !== 'Unset' ? { code: STATUS_JSON[s.statusCode] } : {}),
        },
      })),
    })),
  }))
}
