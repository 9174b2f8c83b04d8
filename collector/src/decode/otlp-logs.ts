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
  checkHexId,
  enumValue,
  field,
  jsonAnyValue,
  jsonAttributes,
  lowerHex,
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
import {
  type ProtoReader,
  u64ToDecimal,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  wireTypes,
} from './protobuf.js'

const REJECT_TRACE_ID = 'log record with an invalid trace id (must be empty or 16 bytes)'
const REJECT_SPAN_ID = 'log record with an invalid span id (must be empty or 8 bytes)'

// Tags (field << 3 | wire type), from opentelemetry/proto/logs/v1/logs.proto.
const LR_TIME = (1 << 3) | 1
const LR_SEVERITY_NUMBER = (2 << 3) | 0
const LR_SEVERITY_TEXT = (3 << 3) | 2
const LR_BODY = (5 << 3) | 2
const LR_ATTRIBUTES = (6 << 3) | 2
const LR_FLAGS = (8 << 3) | 5
const LR_TRACE_ID = (9 << 3) | 2
const LR_SPAN_ID = (10 << 3) | 2
const LR_OBSERVED_TIME = (11 << 3) | 1

// Wire types of every field of each message, for wrong-wire-type detection (see ProtoReader.other).
// LogRecord (field 4 is reserved; event_name 12 has no column in the exporter's table).
const LR_FIELDS = wireTypes({
  1: WIRE_I64,
  2: WIRE_VARINT,
  3: WIRE_LEN,
  5: WIRE_LEN,
  6: WIRE_LEN,
  7: WIRE_VARINT,
  8: WIRE_I32,
  9: WIRE_LEN,
  10: WIRE_LEN,
  11: WIRE_I64,
  12: WIRE_LEN,
})

const SEVERITY_NAMES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 }
for (const [i, n] of ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].entries()) {
  SEVERITY_NAMES[`SEVERITY_NUMBER_${n}`] = i * 4 + 1
  for (let k = 2; k <= 4; k++) SEVERITY_NAMES[`SEVERITY_NUMBER_${n}${k}`] = i * 4 + k
}

function readLogRecord(r: ProtoReader, end: number, out: Decoded<LogRow>): void {
  // The row is filled by name as the fields come (a later occurrence of a field wins, as in protobuf).
  const row = newLogRow()
  const attrs: StrMap = {}
  let timeHi = 0
  let timeLo = 0
  let observedHi = 0
  let observedLo = 0
  while (r.pos < end) {
    const tag = r.tag(end)
    switch (tag) {
      case LR_TIME:
        r.fixed64(end)
        timeHi = r.hi
        timeLo = r.lo
        break
      case LR_OBSERVED_TIME:
        r.fixed64(end)
        observedHi = r.hi
        observedLo = r.lo
        break
      case LR_SEVERITY_NUMBER:
        row[L.SeverityNumber] = r.varint32(end)
        break
      case LR_SEVERITY_TEXT:
        row[L.SeverityText] = r.string(end, 'LogRecord.severity_text')
        break
      case LR_BODY: {
        const len = r.length(end, 'LogRecord.body')
        row[L.Body] = readAnyValue(r, r.pos + len, 0)
        break
      }
      case LR_ATTRIBUTES: {
        const len = r.length(end, 'LogRecord.attributes')
        readKeyValue(r, r.pos + len, attrs)
        break
      }
      case LR_FLAGS:
        row[L.TraceFlags] = r.fixed32(end) & 0xff
        break
      case LR_TRACE_ID:
        row[L.TraceId] = r.id(end, 'LogRecord.trace_id')
        break
      case LR_SPAN_ID:
        row[L.SpanId] = r.id(end, 'LogRecord.span_id')
        break
      default:
        r.other(tag, end, LR_FIELDS, 'LogRecord')
    }
  }
  const traceId = row[L.TraceId]
  if (traceId.length !== 0 && traceId.length !== 32) {
    reject(out, REJECT_TRACE_ID)
    return
  }
  const spanId = row[L.SpanId]
  if (spanId.length !== 0 && spanId.length !== 16) {
    reject(out, REJECT_SPAN_ID)
    return
  }
  if (traceId === ZERO_TRACE_ID) row[L.TraceId] = ''
  if (spanId === ZERO_SPAN_ID) row[L.SpanId] = ''
  const useObserved = timeHi === 0 && timeLo === 0
  row[L.Timestamp] = useObserved ? u64ToDecimal(observedHi, observedLo) : u64ToDecimal(timeHi, timeLo)
  row[L.LogAttributes] = attrs
  out.rows.push(row)
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON

function jsonLogRecord(v: unknown, out: Decoded<LogRow>): void {
  const lr = objectOrNone(v, 'logRecord') ?? {}
  const traceId = str(field(lr, 'traceId', 'trace_id'), 'traceId')
  const spanId = str(field(lr, 'spanId', 'span_id'), 'spanId')
  const traceCheck = checkHexId(traceId, 16)
  if (traceCheck === 'bad') {
    reject(out, REJECT_TRACE_ID)
    return
  }
  const spanCheck = checkHexId(spanId, 8)
  if (spanCheck === 'bad') {
    reject(out, REJECT_SPAN_ID)
    return
  }
  let ts = u64(field(lr, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano')
  if (ts === '0')
    ts = u64(field(lr, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano')
  const bodyValue = lr.body
  const logAttrs: StrMap = {}
  jsonAttributes(lr.attributes, logAttrs, 'attributes')
  // Stored in this order so that, of several bad fields, the same one is named as before.
  const row = newLogRow()
  row[L.Timestamp] = ts
  row[L.TraceId] = traceCheck === 'ok' ? lowerHex(traceId) : ''
  row[L.SpanId] = spanCheck === 'ok' ? lowerHex(spanId) : ''
  row[L.TraceFlags] = u32(field(lr, 'flags', 'flags'), 'flags') & 0xff
  row[L.SeverityText] = str(field(lr, 'severityText', 'severity_text'), 'severityText')
  row[L.SeverityNumber] = enumValue(
    field(lr, 'severityNumber', 'severity_number'),
    SEVERITY_NAMES,
    'severityNumber',
  )
  row[L.Body] = bodyValue === undefined || bodyValue === null ? '' : jsonAnyValue(bodyValue, 0, 'body')
  row[L.LogAttributes] = logAttrs
  out.rows.push(row)
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
