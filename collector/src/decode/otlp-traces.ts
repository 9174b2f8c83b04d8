/**
 * OTLP traces (ExportTraceServiceRequest, opentelemetry/proto/collector/trace/v1) in protobuf and
 * OTLP/JSON → `otel_traces` rows, with the OTel Collector ClickHouse exporter's value conventions.
 *
 * The request, resource and scope around the spans are read by otlp-envelope.ts; this module reads a
 * span into a row.
 */
import { type Decoded, newSpanRow, S, type SpanRow, type StrMap } from '../rows.js'
import {
  arrayOrNone,
  durationOfDecimal,
  enumValue,
  field,
  isId,
  jsonAttributes,
  jsonId,
  lowerHex,
  objectOrNone,
  readKeyValue,
  str,
  u64,
  ZERO_SPAN_ID,
  ZERO_TRACE_ID,
} from './otlp-common.js'
import { decoders, reject } from './otlp-envelope.js'
import {
  durationNs,
  type ProtoReader,
  u64ToDecimal,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  wireTypes,
} from './protobuf.js'

/**
 * Decoders of an OTLP ExportTraceServiceRequest, in protobuf (bytes) and in OTLP/JSON (already parsed),
 * into `otel_traces` rows. Spans with invalid ids are left out and counted in `rejected`; a malformed
 * request throws `SKEIN_ERR_BAD_PROTOBUF` or `SKEIN_ERR_BAD_JSON` (naming where). OTLP/JSON is accepted with
 * lowerCamelCase or snake_case keys, hex ids, 64-bit integers as strings or numbers and enums as numbers
 * or names.
 */
export const { proto: decodeTracesProto, json: decodeTracesJson } = decoders<SpanRow>({
  names: ['ExportTraceServiceRequest', 'ResourceSpans', 'ScopeSpans', 'spans'],
  positions: S,
  readProto: readSpan,
  readJson: jsonSpan,
})

/** Exporter spelling of Span.SpanKind, indexed by enum value. */
const SPAN_KIND = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer']
/** Exporter spelling of Status.StatusCode, indexed by enum value. */
const STATUS_CODE = ['Unset', 'Ok', 'Error']

const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
}
const STATUS_CODE_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
}

// An unknown enum value (a newer client) is stored as the default rather than failing the request.
function kindName(k: number): string {
  return SPAN_KIND[k] ?? 'Unspecified'
}
function statusName(c: number): string {
  return STATUS_CODE[c] ?? 'Unset'
}

const REJECT_TRACE_ID = 'span with an invalid trace id (must be 16 bytes, not all zero)'
const REJECT_SPAN_ID = 'span with an invalid span id (must be 8 bytes, not all zero)'
const REJECT_PARENT_ID = 'span with an invalid parent span id (must be empty or 8 bytes)'

// Tags (field << 3 | wire type), from opentelemetry/proto/trace/v1/trace.proto.
const SPAN_TRACE_ID = (1 << 3) | 2
const SPAN_SPAN_ID = (2 << 3) | 2
const SPAN_TRACE_STATE = (3 << 3) | 2
const SPAN_PARENT_SPAN_ID = (4 << 3) | 2
const SPAN_NAME = (5 << 3) | 2
const SPAN_KIND_TAG = (6 << 3) | 0
const SPAN_START = (7 << 3) | 1
const SPAN_END = (8 << 3) | 1
const SPAN_ATTRIBUTES = (9 << 3) | 2
const SPAN_EVENTS = (11 << 3) | 2
const SPAN_LINKS = (13 << 3) | 2
const SPAN_STATUS = (15 << 3) | 2
const EVENT_TIME = (1 << 3) | 1
const EVENT_NAME = (2 << 3) | 2
const EVENT_ATTRIBUTES = (3 << 3) | 2
const LINK_TRACE_ID = (1 << 3) | 2
const LINK_SPAN_ID = (2 << 3) | 2
const LINK_TRACE_STATE = (3 << 3) | 2
const LINK_ATTRIBUTES = (4 << 3) | 2
const STATUS_MESSAGE = (2 << 3) | 2
const STATUS_CODE_TAG = (3 << 3) | 0

// Wire types of every field of each message, for wrong-wire-type detection (see ProtoReader.other).
const SPAN_FIELDS = wireTypes({
  1: WIRE_LEN,
  2: WIRE_LEN,
  3: WIRE_LEN,
  4: WIRE_LEN,
  5: WIRE_LEN,
  6: WIRE_VARINT,
  7: WIRE_I64,
  8: WIRE_I64,
  9: WIRE_LEN,
  10: WIRE_VARINT,
  11: WIRE_LEN,
  12: WIRE_VARINT,
  13: WIRE_LEN,
  14: WIRE_VARINT,
  15: WIRE_LEN,
  16: WIRE_I32,
})
// Event: time_unix_nano, name, attributes, dropped_attributes_count.
const EVENT_FIELDS = wireTypes({ 1: WIRE_I64, 2: WIRE_LEN, 3: WIRE_LEN, 4: WIRE_VARINT })
// Link: trace_id, span_id, trace_state, attributes, dropped_attributes_count, flags.
const LINK_FIELDS = wireTypes({
  1: WIRE_LEN,
  2: WIRE_LEN,
  3: WIRE_LEN,
  4: WIRE_LEN,
  5: WIRE_VARINT,
  6: WIRE_I32,
})
// Status: message, code (field 1 is reserved).
const STATUS_FIELDS = wireTypes({ 2: WIRE_LEN, 3: WIRE_VARINT })

function readSpan(r: ProtoReader, end: number, out: Decoded<SpanRow>): void {
  // The row is filled by name as the fields come (a later occurrence of a field wins, as in protobuf);
  // the ids are checked once the span is complete.
  const row = newSpanRow()
  const attrs: StrMap = {}
  let kind = 0
  let startHi = 0
  let startLo = 0
  let endHi = 0
  let endLo = 0
  let statusCode = 0
  // Until the first event or link, the row keeps the shared empty arrays.
  let events = false
  let links = false
  while (r.pos < end) {
    const tag = r.tag(end)
    switch (tag) {
      case SPAN_TRACE_ID:
        row[S.TraceId] = r.id(end, 'Span.trace_id')
        break
      case SPAN_SPAN_ID:
        row[S.SpanId] = r.id(end, 'Span.span_id')
        break
      case SPAN_TRACE_STATE:
        row[S.TraceState] = r.string(end, 'Span.trace_state')
        break
      case SPAN_PARENT_SPAN_ID:
        row[S.ParentSpanId] = r.id(end, 'Span.parent_span_id')
        break
      case SPAN_NAME:
        row[S.SpanName] = r.string(end, 'Span.name')
        break
      case SPAN_KIND_TAG:
        kind = r.varint32(end)
        break
      case SPAN_START:
        r.fixed64(end)
        startHi = r.hi
        startLo = r.lo
        break
      case SPAN_END:
        r.fixed64(end)
        endHi = r.hi
        endLo = r.lo
        break
      case SPAN_ATTRIBUTES: {
        const len = r.length(end, 'Span.attributes')
        readKeyValue(r, r.pos + len, attrs)
        break
      }
      case SPAN_EVENTS: {
        const len = r.length(end, 'Span.events')
        if (!events) {
          events = true
          row[S['Events.Timestamp']] = []
          row[S['Events.Name']] = []
          row[S['Events.Attributes']] = []
        }
        readEvent(r, r.pos + len, row)
        break
      }
      case SPAN_LINKS: {
        const len = r.length(end, 'Span.links')
        if (!links) {
          links = true
          row[S['Links.TraceId']] = []
          row[S['Links.SpanId']] = []
          row[S['Links.TraceState']] = []
          row[S['Links.Attributes']] = []
        }
        readLink(r, r.pos + len, row)
        break
      }
      case SPAN_STATUS: {
        const len = r.length(end, 'Span.status')
        const sEnd = r.pos + len
        while (r.pos < sEnd) {
          const t = r.tag(sEnd)
          if (t === STATUS_MESSAGE) row[S.StatusMessage] = r.string(sEnd, 'Status.message')
          else if (t === STATUS_CODE_TAG) statusCode = r.varint32(sEnd)
          else r.other(t, sEnd, STATUS_FIELDS, 'Status')
        }
        break
      }
      default:
        r.other(tag, end, SPAN_FIELDS, 'Span')
    }
  }

  if (!idsStand(row, out)) return
  row[S.Timestamp] = u64ToDecimal(startHi, startLo)
  row[S.SpanKind] = kindName(kind)
  row[S.SpanAttributes] = attrs
  row[S.Duration] = durationNs(startHi, startLo, endHi, endLo)
  row[S.StatusCode] = statusName(statusCode)
  out.rows.push(row)
}

/**
 * Whether a span's ids stand, else it is counted as rejected: a trace id of 16 bytes and a span id of 8,
 * neither all zeros, and a parent of 8 bytes or none. An all-zero parent is well-formed but means "no
 * parent" to every reader: it is stored as none.
 */
function idsStand(row: SpanRow, out: Decoded<SpanRow>): boolean {
  if (!isId(row[S.TraceId], ZERO_TRACE_ID)) return reject(out, REJECT_TRACE_ID)
  if (!isId(row[S.SpanId], ZERO_SPAN_ID)) return reject(out, REJECT_SPAN_ID)
  const parent = row[S.ParentSpanId]
  if (parent !== '' && parent.length !== ZERO_SPAN_ID.length) return reject(out, REJECT_PARENT_ID)
  if (parent === ZERO_SPAN_ID) row[S.ParentSpanId] = ''
  return true
}

/** Appends an event to the row's Events columns (parallel arrays). */
function readEvent(r: ProtoReader, end: number, row: SpanRow): void {
  let hi = 0
  let lo = 0
  let name = ''
  const attrs: StrMap = {}
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === EVENT_TIME) {
      r.fixed64(end)
      hi = r.hi
      lo = r.lo
    } else if (tag === EVENT_NAME) name = r.string(end, 'Span.Event.name')
    else if (tag === EVENT_ATTRIBUTES) {
      const len = r.length(end, 'Span.Event.attributes')
      readKeyValue(r, r.pos + len, attrs)
    } else r.other(tag, end, EVENT_FIELDS, 'Span.Event')
  }
  row[S['Events.Timestamp']].push(u64ToDecimal(hi, lo))
  row[S['Events.Name']].push(name)
  row[S['Events.Attributes']].push(attrs)
}

/** Appends a link to the row's Links columns (parallel arrays). */
function readLink(r: ProtoReader, end: number, row: SpanRow): void {
  let traceId = ''
  let spanId = ''
  let state = ''
  const attrs: StrMap = {}
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === LINK_TRACE_ID) traceId = r.id(end, 'Span.Link.trace_id')
    else if (tag === LINK_SPAN_ID) spanId = r.id(end, 'Span.Link.span_id')
    else if (tag === LINK_TRACE_STATE) state = r.string(end, 'Span.Link.trace_state')
    else if (tag === LINK_ATTRIBUTES) {
      const len = r.length(end, 'Span.Link.attributes')
      readKeyValue(r, r.pos + len, attrs)
    } else r.other(tag, end, LINK_FIELDS, 'Span.Link')
  }
  row[S['Links.TraceId']].push(traceId)
  row[S['Links.SpanId']].push(spanId)
  row[S['Links.TraceState']].push(state)
  row[S['Links.Attributes']].push(attrs)
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON

function jsonSpan(v: unknown, out: Decoded<SpanRow>): void {
  // Fields are read (and refused, if malformed) in the order they always were: which of several bad
  // fields an error names does not change.
  const s = objectOrNone(v, 'span') ?? {}
  const row = newSpanRow()
  row[S.TraceId] = jsonId(str(field(s, 'traceId', 'trace_id'), 'traceId'))
  row[S.SpanId] = jsonId(str(field(s, 'spanId', 'span_id'), 'spanId'))
  row[S.ParentSpanId] = jsonId(str(field(s, 'parentSpanId', 'parent_span_id'), 'parentSpanId'))
  if (!idsStand(row, out)) return

  const start = u64(field(s, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano')
  row[S.Timestamp] = start
  row[S.Duration] = durationOfDecimal(
    start,
    u64(field(s, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano'),
  )
  const attrs: StrMap = {}
  jsonAttributes(s.attributes, attrs, 'attributes')
  row[S.SpanAttributes] = attrs

  const evTs: string[] = []
  const evName: string[] = []
  const evAttrs: StrMap[] = []
  const events = arrayOrNone(s.events, 'events')
  for (let i = 0; i < events.length; i++) {
    const e = objectOrNone(events[i], `events[${i}]`) ?? {}
    evTs.push(u64(field(e, 'timeUnixNano', 'time_unix_nano'), `events[${i}].timeUnixNano`))
    evName.push(str(e.name, `events[${i}].name`))
    const a: StrMap = {}
    jsonAttributes(e.attributes, a, `events[${i}].attributes`)
    evAttrs.push(a)
  }
  row[S['Events.Timestamp']] = evTs
  row[S['Events.Name']] = evName
  row[S['Events.Attributes']] = evAttrs

  const lkTrace: string[] = []
  const lkSpan: string[] = []
  const lkState: string[] = []
  const lkAttrs: StrMap[] = []
  const links = arrayOrNone(s.links, 'links')
  for (let i = 0; i < links.length; i++) {
    const l = objectOrNone(links[i], `links[${i}]`) ?? {}
    // Link ids are not validated (the exporter stores what it gets), only normalized.
    lkTrace.push(lowerHex(str(field(l, 'traceId', 'trace_id'), `links[${i}].traceId`)))
    lkSpan.push(lowerHex(str(field(l, 'spanId', 'span_id'), `links[${i}].spanId`)))
    lkState.push(str(field(l, 'traceState', 'trace_state'), `links[${i}].traceState`))
    const a: StrMap = {}
    jsonAttributes(l.attributes, a, `links[${i}].attributes`)
    lkAttrs.push(a)
  }
  row[S['Links.TraceId']] = lkTrace
  row[S['Links.SpanId']] = lkSpan
  row[S['Links.TraceState']] = lkState
  row[S['Links.Attributes']] = lkAttrs

  const status = objectOrNone(s.status, 'status')
  row[S.StatusCode] = statusName(
    status === undefined ? 0 : enumValue(status.code ?? undefined, STATUS_CODE_NAMES, 'status.code'),
  )
  row[S.StatusMessage] = status === undefined ? '' : str(status.message, 'status.message')
  row[S.TraceState] = str(field(s, 'traceState', 'trace_state'), 'traceState')
  row[S.SpanName] = str(s.name, 'name')
  row[S.SpanKind] = kindName(enumValue(s.kind ?? undefined, SPAN_KIND_NAMES, 'kind'))
  out.rows.push(row)
}
