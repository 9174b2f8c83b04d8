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
import {
  type ProtoReader,
  u64ToDecimal,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  wireTypes,
} from './protobuf.js'

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
  if (!idsStand(row, out)) return
  const useObserved = timeHi === 0 && timeLo === 0
  row[L.Timestamp] = useObserved ? u64ToDecimal(observedHi, observedLo) : u64ToDecimal(timeHi, timeLo)
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
