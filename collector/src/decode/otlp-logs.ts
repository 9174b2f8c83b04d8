/**
 * OTLP logs (ExportLogsServiceRequest, opentelemetry/proto/collector/logs/v1) in protobuf and
 * OTLP/JSON → `otel_logs` rows, with the OTel Collector ClickHouse exporter's conventions:
 * Timestamp is time_unix_nano, or observed_time_unix_nano when that is 0; Body is the AnyValue as a
 * string; TraceFlags is flags & 0xff.
 *
 * Trace context in logs: a trace or span id of the wrong length (or not hex in JSON) rejects the
 * record, counted in `rejected`, as for spans. A user who correlates logs with traces would rather
 * learn from partial_success that a client sends broken ids than find the log silently detached from
 * its trace. An all-zero id, though, is what several SDKs send for "no trace": it is stored as
 * '' rather than rejected.
 *
 * The request, resource and scope around the records are read by otlp-envelope.ts; this module reads a
 * log record into a row.
 */
import { type Decoded, L, type LogRow, newLogRow, type StrMap } from '../rows.js'
import {
  enumValue,
  field,
  jsonAnyValue,
  jsonAttributes,
  jsonId,
  objectOrNone,
  readAnyValue,
  readKeyValue,
  str,
  u32,
  u64,
  ZERO_SPAN_ID,
  ZERO_TRACE_ID,
} from './otlp-common.js'
import { decoders, reject } from './otlp-envelope.js'
import { type ProtoReader, protoMessage } from './protobuf.js'

const REJECT_TRACE_ID = 'log record with an invalid trace id (must be empty or 16 bytes)'
const REJECT_SPAN_ID = 'log record with an invalid span id (must be empty or 8 bytes)'

// opentelemetry/proto/logs/v1/logs.proto (field 4 is reserved; event_name has no column in the exporter's
// table; severity_number is an enum, int32 on the wire).
const LOG_RECORD = protoMessage(`message LogRecord {
  fixed64 time_unix_nano = 1; fixed64 observed_time_unix_nano = 11; int32 severity_number = 2;
  string severity_text = 3; AnyValue body = 5; repeated KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7; fixed32 flags = 8; bytes trace_id = 9; bytes span_id = 10;
  string event_name = 12; }`)

const SEVERITY_NAMES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 }
for (const [i, n] of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].entries()) {
  SEVERITY_NAMES[`SEVERITY_NUMBER_${n}`] = i * 4 + 1
  for (let k = 2; k <= 4; k++) SEVERITY_NAMES[`SEVERITY_NUMBER_${n}${k}`] = i * 4 + k
}

/**
 * Decoders of an OTLP ExportLogsServiceRequest, in protobuf (bytes) and in OTLP/JSON (already parsed),
 * into `otel_logs` rows. Records with invalid trace or span ids are left out and counted in `rejected`; a
 * malformed request throws `SKEIN_ERR_BAD_PROTOBUF` or `SKEIN_ERR_BAD_JSON` (naming where). OTLP/JSON is
 * accepted as for traces.
 */
export const { proto: decodeLogsProto, json: decodeLogsJson } = decoders<LogRow>({
  names: ['ExportLogsServiceRequest', 'ResourceLogs', 'ScopeLogs', 'log_records'],
  positions: L,
  readProto: readLogRecord,
  readJson: jsonLogRecord,
})

function readLogRecord(r: ProtoReader, end: number, out: Decoded<LogRow>): void {
  // The row is filled by name as the fields come (a later occurrence of a field wins, as in protobuf).
  const row = newLogRow()
  const attrs: StrMap = {}
  const T = LOG_RECORD.tag
  const W = LOG_RECORD.what
  let timeAt = -1
  let observedAt = -1
  while (r.pos < end) {
    const tag = r.tag(end)
    // In the order the OTel SDKs write the fields, as the switch this replaced had them.
    if (tag === T.time_unix_nano) timeAt = r.fixed64At(end)
    else if (tag === T.observed_time_unix_nano) observedAt = r.fixed64At(end)
    else if (tag === T.severity_number) row[L.SeverityNumber] = r.varint32(end)
    else if (tag === T.severity_text) row[L.SeverityText] = r.string(end, W.severity_text)
    else if (tag === T.body) row[L.Body] = readAnyValue(r, r.sub(end, W.body), 0)
    else if (tag === T.attributes) readKeyValue(r, r.sub(end, W.attributes), attrs)
    else if (tag === T.trace_id) row[L.TraceId] = r.id(end, W.trace_id)
    else if (tag === T.span_id) row[L.SpanId] = r.id(end, W.span_id)
    else if (tag === T.flags) row[L.TraceFlags] = r.fixed32(end) & 0xff
    else r.other(tag, end, LOG_RECORD)
  }
  if (!idsStand(row, out)) return
  const time = r.u64At(timeAt)
  row[L.Timestamp] = time !== '0' ? time : r.u64At(observedAt)
  row[L.LogAttributes] = attrs
  out.rows.push(row)
}

/**
 * Whether a record's ids stand, else it is counted as rejected: a trace id of 16 bytes or none, a span id
 * of 8 or none. All zeros, which several SDKs send for "no trace", are stored as none.
 */
function idsStand(row: LogRow, out: Decoded<LogRow>): boolean {
  const traceId = row[L.TraceId]
  if (traceId !== '' && traceId.length !== ZERO_TRACE_ID.length) return reject(out, REJECT_TRACE_ID)
  const spanId = row[L.SpanId]
  if (spanId !== '' && spanId.length !== ZERO_SPAN_ID.length) return reject(out, REJECT_SPAN_ID)
  if (traceId === ZERO_TRACE_ID) row[L.TraceId] = ''
  if (spanId === ZERO_SPAN_ID) row[L.SpanId] = ''
  return true
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON

function jsonLogRecord(v: unknown, out: Decoded<LogRow>): void {
  // Fields are read (and refused, if malformed) in the order they always were: which of several bad
  // fields an error names does not change.
  const lr = objectOrNone(v, 'logRecord') ?? {}
  const row = newLogRow()
  row[L.TraceId] = jsonId(str(field(lr, 'traceId', 'trace_id'), 'traceId'))
  row[L.SpanId] = jsonId(str(field(lr, 'spanId', 'span_id'), 'spanId'))
  if (!idsStand(row, out)) return
  const time = u64(field(lr, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano')
  row[L.Timestamp] =
    time !== '0'
      ? time
      : u64(field(lr, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano')
  const bodyValue = lr.body
  const attrs: StrMap = {}
  jsonAttributes(lr.attributes, attrs, 'attributes')
  row[L.LogAttributes] = attrs
  row[L.TraceFlags] = u32(field(lr, 'flags', 'flags'), 'flags') & 0xff
  row[L.SeverityText] = str(field(lr, 'severityText', 'severity_text'), 'severityText')
  row[L.SeverityNumber] = enumValue(
    field(lr, 'severityNumber', 'severity_number'),
    SEVERITY_NAMES,
    'severityNumber',
  )
  row[L.Body] = bodyValue === undefined || bodyValue === null ? '' : jsonAnyValue(bodyValue, 0, 'body')
  out.rows.push(row)
}
