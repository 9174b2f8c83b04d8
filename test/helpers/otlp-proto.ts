/**
 * OTLP's trace schema (opentelemetry-proto: common/v1, resource/v1, trace/v1) and Tempo's two answer
 * messages around it (tempopb: `Trace`, `TraceByIDResponse`), loaded with protobufjs, for decoding Tempo
 * answers in tests the way Grafana's Go data source does: with the schema, not with Skein's own decoder.
 */
import protobuf from 'protobufjs'

const PROTO = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4;
  fixed32 flags = 16; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  repeated Event events = 11; uint32 dropped_events_count = 12;
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
  repeated Link links = 13; uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status { string message = 2; int32 code = 3; }
message Trace { repeated ResourceSpans resourceSpans = 1; }
message TraceByIDResponse { Trace trace = 1; }
`

const root = protobuf.parse(PROTO, { keepCase: false }).root
const Trace = root.lookupType('otlp.Trace')
const TraceByIDResponse = root.lookupType('otlp.TraceByIDResponse')

export interface DecodedSpan {
  traceId: string
  spanId: string
  parentSpanId: string
  name: string
  /** OTLP's number (1 internal, 2 server, 3 client, …). */
  kind: number
  startNs: string
  endNs: string
  durationNs: string
  service: string
  attributes: Record<string, unknown>
  resource: Record<string, unknown>
  statusCode: number
  statusMessage: string
}

const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex')
const attrs = (kvs: any[] | undefined) =>
  Object.fromEntries(
    (kvs ?? []).map((kv) => {
      const v = kv.value ?? {}
      return [kv.key, v.stringValue ?? v.boolValue ?? v.intValue?.toString() ?? v.doubleValue]
    }),
  )

function flatten(trace: any): DecodedSpan[] {
  const out: DecodedSpan[] = []
  for (const rs of trace.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes)
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? []) {
        const start = BigInt(s.startTimeUnixNano.toString())
        const end = BigInt(s.endTimeUnixNano.toString())
        out.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind ?? 0,
          startNs: start.toString(),
          endNs: end.toString(),
          durationNs: (end - start).toString(),
          service: String(resource['service.name']),
          attributes: attrs(s.attributes),
          resource,
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message ?? '',
        })
      }
  }
  return out
}

/** Spans of a Tempo v1 protobuf answer (`Trace`). */
export function decodeTempoTrace(bytes: Uint8Array): DecodedSpan[] {
  return flatten(Trace.toObject(Trace.decode(bytes), { longs: String }))
}

/** Spans of a Tempo v2 protobuf answer (`TraceByIDResponse`). */
export function decodeTempoTraceV2(bytes: Uint8Array): DecodedSpan[] {
  const msg = TraceByIDResponse.toObject(TraceByIDResponse.decode(bytes), { longs: String }) as any
  return flatten(msg.trace ?? {})
}
