/**
 * Decode throughput. Run: `node --import tsx bench/decode.ts`.
 *
 * A realistic OTLP request (100 spans of one resource, ~10 attributes each, some events, made by the
 * real SDK and serializer) is decoded N times on one core:
 *   - Skein's decodeTracesProto: bytes → finished `otel_traces` rows;
 *   - protobufjs (the decoder @grpc/proto-loader uses) with the same trace.proto schema: bytes →
 *     message objects only, no rows yet; so the ratio flatters protobufjs.
 * Also decodeTracesJson on the OTLP/JSON form, for scale; an OTLP logs request (100 records of one resource
 * and scope, in a span's context, from the real SDK and serializer) in protobuf and in OTLP/JSON; and a Loki
 * push of 1,000 pino records (a stream per record, as pino-loki sends them) as JSON and as
 * snappy-compressed protobuf (as Promtail and Alloy send them), through the receivers' own steps. Medians
 * of ROUNDS rounds.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import protobuf from 'protobufjs'
import * as skeinDecoders from '../collector/src/decode/index.js'
import { snappyBlock } from '../collector/src/receivers/body.js'
import { snappyPush } from '../test/helpers/loki-proto.js'
import { record } from './lib/results.js'

const N = Number(process.env.N ?? 2000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const SPANS = 100
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

const resource = resourceFromAttributes({
  'service.name': 'orders',
  'service.version': '1.4.2',
  'host.name': 'ip-10-0-3-17',
  'process.pid': 4242,
  'telemetry.sdk.language': 'nodejs',
})

function makeRequest(): { proto: Uint8Array; json: Uint8Array } {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] })
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.57.0')
  for (let i = 0; i < SPANS; i++) {
    const span = tracer.startSpan(`GET /orders/:id`, {
      kind: i % 3 === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/orders/:id',
        'url.full': `http://orders.internal:8080/orders/${1000 + i}?expand=items`,
        'http.response.status_code': i % 17 === 0 ? 500 : 200,
        'server.address': 'orders.internal',
        'server.port': 8080,
        'network.protocol.version': '1.1',
        'user_agent.original': 'node-fetch/3.3.2',
        'order.id': `o-${100000 + i}`,
        'cache.hit': i % 2 === 0,
      },
    })
    if (i % 10 === 0) span.addEvent('retry', { attempt: 2, 'retry.reason': 'ECONNRESET' })
    if (i % 17 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 500' })
    span.end()
  }
  const spans = exporter.getFinishedSpans()
  return {
    proto: ProtobufTraceSerializer.serializeRequest(spans)!,
    json: JsonTraceSerializer.serializeRequest(spans)!,
  }
}

/** An OTLP logs request of SPANS records written inside a span, as the pino instrumentation sends them. */
async function makeLogsRequest(): Promise<{ proto: Uint8Array; json: string }> {
  const exporter = new InMemoryLogRecordExporter()
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] })
  const logger = provider.getLogger('@opentelemetry/instrumentation-pino', '0.45.0')
  const span = new BasicTracerProvider().getTracer('bench').startSpan('GET /orders/:id')
  const context = trace.setSpan(ROOT_CONTEXT, span)
  for (let i = 0; i < SPANS; i++) {
    const error = i % 17 === 0
    logger.emit({
      severityNumber: error ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: error ? 'error' : 'info',
      body: `order ${1000 + i} ${error ? 'failed: upstream 500' : 'processed'}`,
      attributes: {
        'order.id': `o-${100000 + i}`,
        'http.route': '/orders/:id',
        attempt: i % 3,
        'cache.hit': true,
      },
      context,
    })
  }
  await provider.forceFlush()
  const records = exporter.getFinishedLogRecords()
  return {
    proto: ProtobufLogsSerializer.serializeRequest(records)!,
    json: new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records)!),
  }
}

/** The parts of opentelemetry/proto/{common,resource,trace}/v1 a trace request uses, for protobufjs. */
const PROTO = `
syntax = "proto3";
package otlp;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
  double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10; repeated Event events = 11; uint32 dropped_events_count = 12;
  repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15; fixed32 flags = 16;
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
}
message Status { string message = 2; int32 code = 3; }
`

/** Items per second of each decoder, rounds interleaved so machine noise hits them alike. */
function perSecond(decoders: (() => unknown)[], items = SPANS, n = N): number[] {
  for (const decode of decoders) for (let i = 0; i < 200; i++) decode() // warm up the JIT
  const rates: number[][] = decoders.map(() => [])
  for (let r = 0; r < ROUNDS; r++) {
    decoders.forEach((decode, d) => {
      const start = process.hrtime.bigint()
      for (let i = 0; i < n; i++) decode()
      const s = Number(process.hrtime.bigint() - start) / 1e9
      rates[d].push((n * items) / s)
    })
  }
  return rates.map(median)
}

/** A pino-loki-shaped push of `n` records, as JSON text and as a snappy protobuf body. */
function lokiPush(n: number): { json: string; snappy: Buffer } {
  const now = Date.now()
  const records = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      level: 30,
      time: now,
      pid: 4242,
      hostname: 'ip-10-0-3-17',
      msg: `order ${i} processed`,
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
      orderId: i,
    }),
  )
  const labels = { service_name: 'orders', level: 'info' }
  return {
    json: JSON.stringify({
      streams: records.map((line, i) => ({
        stream: labels,
        values: [[`${BigInt(now) * 1_000_000n + BigInt(i)}`, line]],
      })),
    }),
    snappy: snappyPush({
      streams: records.map((line, i) => ({
        labels: '{service_name="orders", level="info"}',
        entries: [{ timestamp: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1e6 + i }, line }],
      })),
    }),
  }
}

const { proto, json } = makeRequest()
const rows = skeinDecoders.decodeTracesProto(proto).rows
if (rows.length !== SPANS) throw new Error(`expected ${SPANS} rows, got ${rows.length}`)
const Request = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('otlp.ExportTraceServiceRequest')
const peerCount = (
  Request.decode(proto) as unknown as { resource_spans: { scope_spans: { spans: unknown[] }[] }[] }
).resource_spans[0].scope_spans[0].spans.length
if (peerCount !== SPANS) throw new Error(`protobufjs decoded ${peerCount} spans`)
const jsonText = new TextDecoder().decode(json)

console.log(
  `request: ${SPANS} spans, ${proto.length} bytes protobuf, ${json.length} bytes JSON; N=${N}, rounds=${ROUNDS}`,
)
const [skein, peer, skeinJson] = perSecond([
  () => skeinDecoders.decodeTracesProto(proto),
  () => Request.decode(proto),
  () => skeinDecoders.decodeTracesJson(JSON.parse(jsonText)),
])
console.log(`skein decodeTracesProto (bytes → rows):         ${fmt(skein)} spans/s`)
console.log(`protobufjs Type.decode (bytes → messages only):  ${fmt(peer)} spans/s`)
console.log(`ratio skein / protobufjs: ${(skein / peer).toFixed(2)}`)
console.log(`skein JSON.parse + decodeTracesJson:             ${fmt(skeinJson)} spans/s`)
const logs = await makeLogsRequest()
if (skeinDecoders.decodeLogsProto(logs.proto).rows.length !== SPANS)
  throw new Error('the logs request did not decode to every record')
const [logsProto, logsJson] = perSecond([
  () => skeinDecoders.decodeLogsProto(logs.proto),
  () => skeinDecoders.decodeLogsJson(JSON.parse(logs.json)),
])
console.log(`skein decodeLogsProto (bytes → rows):           ${fmt(logsProto)} records/s`)
console.log(`skein JSON.parse + decodeLogsJson:              ${fmt(logsJson)} records/s`)
const LOKI_LINES = 1000
const loki = lokiPush(LOKI_LINES)
const lokiOpts = { maxLineBytes: 262_144 }
const maxBody = 20 * 2 ** 20
if (skeinDecoders.decodeLokiProto(snappyBlock(loki.snappy, maxBody), lokiOpts).rows.length !== LOKI_LINES)
  throw new Error('the Loki protobuf push did not decode to every line')
const [lokiJson, lokiProto] = perSecond(
  [
    () => skeinDecoders.decodeLokiJson(JSON.parse(loki.json), lokiOpts),
    () => skeinDecoders.decodeLokiProto(snappyBlock(loki.snappy, maxBody), lokiOpts),
  ],
  LOKI_LINES,
  Math.max(1, Math.round(N / 10)),
)
console.log(`Loki push, JSON.parse + decodeLokiJson:          ${fmt(lokiJson)} lines/s`)
console.log(`Loki push, snappy + decodeLokiProto:             ${fmt(lokiProto)} lines/s`)
record(
  'decode',
  {
    skeinProto: skein,
    protobufjs: peer,
    ratio: skein / peer,
    skeinJson,
    logsProto,
    logsJson,
    lokiJson,
    lokiProto,
  },
  [
    ['skein decodeTracesProto, bytes → rows (spans/s)', fmt(skein)],
    ['protobufjs Type.decode, bytes → messages only (baseline, spans/s)', fmt(peer)],
    ['ratio skein / protobufjs', (skein / peer).toFixed(2)],
    ['skein JSON.parse + decodeTracesJson (spans/s)', fmt(skeinJson)],
    ['skein decodeLogsProto, bytes → rows (records/s)', fmt(logsProto)],
    ['skein JSON.parse + decodeLogsJson (records/s)', fmt(logsJson)],
    ['Loki push JSON: JSON.parse + decodeLokiJson (baseline, lines/s)', fmt(lokiJson)],
    ['Loki push protobuf: snappy + decodeLokiProto (lines/s)', fmt(lokiProto)],
    ['ratio Loki protobuf / JSON', (lokiProto / lokiJson).toFixed(2)],
  ],
  `One ${SPANS}-span request and one ${SPANS}-record logs request from the real OTel SDK and serializers; one Loki push of ${LOKI_LINES} pino records, a stream per record; rounds interleaved.`,
)
