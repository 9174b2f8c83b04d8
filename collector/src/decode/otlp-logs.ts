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
 * Rows of one resource/scope share their attribute objects. Treat rows as immutable.
 */
import type { Decoded, LogRow, StrMap } from '../rows.js'
import { UNKNOWN_SERVICE } from '../rows.js'
import {
  arrayOrNone,
  badJson,
  checkHexId,
  enumValue,
  field,
  jsonAnyValue,
  jsonAttributes,
  jsonResource,
  jsonScope,
  lowerHex,
  objectOrNone,
  readAnyValue,
  readKeyValue,
  readResource,
  readScope,
  type Scope,
  serviceNameOf,
  str,
  u32,
  u64,
  withPath,
} from './otlp-common.js'
import {
  allZero,
  ProtoReader,
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
const REQ_RESOURCE_LOGS = (1 << 3) | 2
const RL_RESOURCE = (1 << 3) | 2
const RL_SCOPE_LOGS = (2 << 3) | 2
const RL_SCHEMA_URL = (3 << 3) | 2
const SL_SCOPE = (1 << 3) | 2
const SL_LOG_RECORDS = (2 << 3) | 2
const SL_SCHEMA_URL = (3 << 3) | 2
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
const REQ_FIELDS = wireTypes({ 1: WIRE_LEN })
const RL_FIELDS = wireTypes({ 1: WIRE_LEN, 2: WIRE_LEN, 3: WIRE_LEN }) // resource, scope_logs, schema_url
const SL_FIELDS = wireTypes({ 1: WIRE_LEN, 2: WIRE_LEN, 3: WIRE_LEN }) // scope, log_records, schema_url
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

/**
 * Decodes an OTLP ExportLogsServiceRequest in protobuf into `otel_logs` rows.
 * Records with invalid trace/span ids are left out and counted in `rejected`; a malformed message
 * throws `SKEIN_ERR_BAD_PROTOBUF`.
 */
export function decodeLogsProto(buf: Uint8Array): Decoded<LogRow> {
  const r = new ProtoReader(buf)
  const out: Decoded<LogRow> = { rows: [], rejected: 0 }
  const end = r.len
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === REQ_RESOURCE_LOGS) {
      const len = r.length(end, 'ExportLogsServiceRequest.resource_logs')
      readResourceLogs(r, r.pos + len, out)
    } else r.other(tag, end, REQ_FIELDS, 'ExportLogsServiceRequest')
  }
  return out
}

function readResourceLogs(r: ProtoReader, end: number, out: Decoded<LogRow>): void {
  const rows = out.rows
  const first = rows.length
  const attrs: StrMap = {}
  let schemaUrl = ''
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === RL_SCOPE_LOGS) {
      const len = r.length(end, 'ResourceLogs.scope_logs')
      readScopeLogs(r, r.pos + len, out)
    } else if (tag === RL_RESOURCE) {
      const len = r.length(end, 'ResourceLogs.resource')
      readResource(r, r.pos + len, attrs)
    } else if (tag === RL_SCHEMA_URL) schemaUrl = r.string(end, 'ResourceLogs.schema_url')
    else r.other(tag, end, RL_FIELDS, 'ResourceLogs')
  }
  // The resource may follow its records on the wire: fill it in once the message is complete.
  const service = serviceNameOf(attrs, UNKNOWN_SERVICE)
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]
    row[6] = service
    row[8] = schemaUrl
    row[9] = attrs
  }
}

function readScopeLogs(r: ProtoReader, end: number, out: Decoded<LogRow>): void {
  const rows = out.rows
  const first = rows.length
  const scope: Scope = { name: '', version: '', attributes: {} }
  let schemaUrl = ''
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === SL_LOG_RECORDS) {
      const len = r.length(end, 'ScopeLogs.log_records')
      readLogRecord(r, r.pos + len, out)
    } else if (tag === SL_SCOPE) {
      const len = r.length(end, 'ScopeLogs.scope')
      readScope(r, r.pos + len, scope)
    } else if (tag === SL_SCHEMA_URL) schemaUrl = r.string(end, 'ScopeLogs.schema_url')
    else r.other(tag, end, SL_FIELDS, 'ScopeLogs')
  }
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]
    row[10] = schemaUrl
    row[11] = scope.name
    row[12] = scope.version
    row[13] = scope.attributes
  }
}

const NO_ATTRS: StrMap = {}

function readLogRecord(r: ProtoReader, end: number, out: Decoded<LogRow>): void {
  const buf = r.buf
  let timeHi = 0
  let timeLo = 0
  let obsHi = 0
  let obsLo = 0
  let severityNumber = 0
  let severityText = ''
  let body = ''
  let flags = 0
  let traceStart = 0
  let traceEnd = 0
  let spanStart = 0
  let spanEnd = 0
  const attrs: StrMap = {}
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
        obsHi = r.hi
        obsLo = r.lo
        break
      case LR_SEVERITY_NUMBER:
        severityNumber = r.varint32(end)
        break
      case LR_SEVERITY_TEXT:
        severityText = r.string(end, 'LogRecord.severity_text')
        break
      case LR_BODY: {
        const len = r.length(end, 'LogRecord.body')
        body = readAnyValue(r, r.pos + len, 0)
        break
      }
      case LR_ATTRIBUTES: {
        const len = r.length(end, 'LogRecord.attributes')
        readKeyValue(r, r.pos + len, attrs)
        break
      }
      case LR_FLAGS:
        flags = r.fixed32(end)
        break
      case LR_TRACE_ID:
        traceStart = r.bytes(end, 'LogRecord.trace_id')
        traceEnd = r.pos
        break
      case LR_SPAN_ID:
        spanStart = r.bytes(end, 'LogRecord.span_id')
        spanEnd = r.pos
        break
      default:
        r.other(tag, end, LR_FIELDS, 'LogRecord')
    }
  }
  const traceLen = traceEnd - traceStart
  if (traceLen !== 0 && traceLen !== 16) {
    reject(out, REJECT_TRACE_ID)
    return
  }
  const spanLen = spanEnd - spanStart
  if (spanLen !== 0 && spanLen !== 8) {
    reject(out, REJECT_SPAN_ID)
    return
  }
  const useObserved = timeHi === 0 && timeLo === 0
  out.rows.push([
    useObserved ? u64ToDecimal(obsHi, obsLo) : u64ToDecimal(timeHi, timeLo),
    traceLen === 0 || allZero(buf, traceStart, traceEnd) ? '' : r.hex(traceStart, traceEnd),
    spanLen === 0 || allZero(buf, spanStart, spanEnd) ? '' : r.hex(spanStart, spanEnd),
    flags & 0xff,
    severityText,
    severityNumber,
    UNKNOWN_SERVICE, // set by readResourceLogs
    body,
    '', // set by readResourceLogs
    NO_ATTRS, // set by readResourceLogs
    '', // set by readScopeLogs
    '', // set by readScopeLogs
    '', // set by readScopeLogs
    NO_ATTRS, // set by readScopeLogs
    attrs,
  ])
}

function reject(out: Decoded<LogRow>, reason: string): void {
  if (out.rejected++ === 0) out.rejectReason = reason
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON

/**
 * Decodes an OTLP/JSON ExportLogsServiceRequest (already parsed) into `otel_logs` rows.
 * Accepts lowerCamelCase and snake_case keys, hex ids, 64-bit integers as strings or numbers and
 * enums as numbers or names. Records with invalid ids are left out and counted in `rejected`; a
 * body of the wrong shape throws `SKEIN_ERR_BAD_JSON` naming where.
 */
export function decodeLogsJson(body: unknown): Decoded<LogRow> {
  const out: Decoded<LogRow> = { rows: [], rejected: 0 }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    badJson('invalid OTLP/JSON: expected an ExportLogsServiceRequest object')
  }
  const resourceLogs = arrayOrNone(
    field(body as Record<string, unknown>, 'resourceLogs', 'resource_logs'),
    'resourceLogs',
  )
  for (let i = 0; i < resourceLogs.length; i++) {
    let where = `resourceLogs[${i}]`
    try {
      const rl = objectOrNone(resourceLogs[i], 'resourceLogs') ?? {}
      const attrs: StrMap = {}
      jsonResource(rl.resource, attrs)
      const service = serviceNameOf(attrs, UNKNOWN_SERVICE)
      const resSchemaUrl = str(field(rl, 'schemaUrl', 'schema_url'), 'schemaUrl')
      const scopeLogs = arrayOrNone(field(rl, 'scopeLogs', 'scope_logs'), 'scopeLogs')
      for (let j = 0; j < scopeLogs.length; j++) {
        where = `resourceLogs[${i}].scopeLogs[${j}]`
        const sl = objectOrNone(scopeLogs[j], 'scopeLogs') ?? {}
        const scope = jsonScope(sl.scope)
        const scopeSchemaUrl = str(field(sl, 'schemaUrl', 'schema_url'), 'schemaUrl')
        const records = arrayOrNone(field(sl, 'logRecords', 'log_records'), 'logRecords')
        for (let k = 0; k < records.length; k++) {
          where = `resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}]`
          const lr = objectOrNone(records[k], 'logRecord') ?? {}
          const traceId = str(field(lr, 'traceId', 'trace_id'), 'traceId')
          const spanId = str(field(lr, 'spanId', 'span_id'), 'spanId')
          const traceCheck = checkHexId(traceId, 16)
          if (traceCheck === 'bad') {
            reject(out, REJECT_TRACE_ID)
            continue
          }
          const spanCheck = checkHexId(spanId, 8)
          if (spanCheck === 'bad') {
            reject(out, REJECT_SPAN_ID)
            continue
          }
          let ts = u64(field(lr, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano')
          if (ts === '0')
            ts = u64(field(lr, 'observedTimeUnixNano', 'observed_time_unix_nano'), 'observedTimeUnixNano')
          const bodyValue = lr.body
          const logAttrs: StrMap = {}
          jsonAttributes(lr.attributes, logAttrs, 'attributes')
          out.rows.push([
            ts,
            traceCheck === 'ok' ? lowerHex(traceId) : '',
            spanCheck === 'ok' ? lowerHex(spanId) : '',
            u32(field(lr, 'flags', 'flags'), 'flags') & 0xff,
            str(field(lr, 'severityText', 'severity_text'), 'severityText'),
            enumValue(field(lr, 'severityNumber', 'severity_number'), SEVERITY_NAMES, 'severityNumber'),
            service,
            bodyValue === undefined || bodyValue === null ? '' : jsonAnyValue(bodyValue, 0, 'body'),
            resSchemaUrl,
            attrs,
            scopeSchemaUrl,
            scope.name,
            scope.version,
            scope.attributes,
            logAttrs,
          ])
        }
      }
    } catch (e) {
      throw withPath(e, where)
    }
  }
  return out
}
