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
import { type ProtoReader, protoMessage } from './protobuf.js'

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

// opentelemetry/proto/trace/v1/trace.proto (Event and Link are nested in Span there).
const SPAN = protoMessage(`message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10; repeated Event events = 11;
  uint32 dropped_events_count = 12; repeated Link links = 13; uint32 dropped_links_count = 14;
  Status status = 15; fixed32 flags = 16; }`)
const EVENT = protoMessage(`message Span.Event { fixed64 time_unix_nano = 1; string name = 2;
  repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }`)
const LINK = protoMessage(`message Span.Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3;
  repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }`)
// Field 1 is reserved.
const STATUS = protoMessage('message Status { string message = 2; int32 code = 3; }')

// The row's nested columns (parallel arrays), which a new row shares empty until its first event or link.
const EVENT_COLUMNS = [S['Events.Timestamp'], S['Events.Name'], S['Events.Attributes']]
const LINK_COLUMNS = [S['Links.TraceId'], S['Links.SpanId'], S['Links.TraceState'], S['Links.Attributes']]

function readSpan(r: ProtoReader, end: number, out: Decoded<SpanRow>): void {
  // The row is filled by name as the fields come (a later occurrence of a field wins, as in protobuf);
  // the ids are checked once the span is complete.
  const row = newSpanRow()
  const attrs: StrMap = {}
  const T = SPAN.tag
  const W = SPAN.what
  let kind = 0
  let startAt = -1
  let endAt = -1
  let statusCode = 0
  let events = false
  let links = false
  while (r.pos < end) {
    const tag = r.tag(end)
    // A span has many attributes and one of each other field: attributes are asked for first.
    if (tag === T.attributes) readKeyValue(r, r.sub(end, W.attributes), attrs)
    else if (tag === T.trace_id) row[S.TraceId] = r.id(end, W.trace_id)
    else if (tag === T.span_id) row[S.SpanId] = r.id(end, W.span_id)
    else if (tag === T.parent_span_id) row[S.ParentSpanId] = r.id(end, W.parent_span_id)
    else if (tag === T.name) row[S.SpanName] = r.string(end, W.name)
    else if (tag === T.kind) kind = r.varint32(end)
    else if (tag === T.start_time_unix_nano) startAt = r.fixed64At(end)
    else if (tag === T.end_time_unix_nano) endAt = r.fixed64At(end)
    else if (tag === T.status) statusCode = readStatus(r, r.sub(end, W.status), row, statusCode)
    else if (tag === T.events) {
      if (!events) events = ownColumns(row, EVENT_COLUMNS)
      readEvent(r, r.sub(end, W.events), row)
    } else if (tag === T.links) {
      if (!links) links = ownColumns(row, LINK_COLUMNS)
      readLink(r, r.sub(end, W.links), row)
    } else if (tag === T.trace_state) row[S.TraceState] = r.string(end, W.trace_state)
    else r.other(tag, end, SPAN)
  }

  if (!idsStand(row, out)) return
  row[S.Timestamp] = r.u64At(startAt)
  row[S.SpanKind] = kindName(kind)
  row[S.SpanAttributes] = attrs
  row[S.Duration] = r.durationAt(startAt, endAt)
  row[S.StatusCode] = statusName(statusCode)
  out.rows.push(row)
}

/** Gives the row arrays of its own in `columns` (in place of the shared empty ones); true. */
function ownColumns(row: SpanRow, columns: readonly number[]): true {
  for (const c of columns) (row as unknown[])[c] = []
  return true
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

/** Reads a Status: its message into the row; returns its code (`code` if it sets none). */
function readStatus(r: ProtoReader, end: number, row: SpanRow, code: number): number {
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === STATUS.tag.message) row[S.StatusMessage] = r.string(end, STATUS.what.message)
    else if (tag === STATUS.tag.code) code = r.varint32(end)
    else r.other(tag, end, STATUS)
  }
  return code
}

/** Reads an event into the row's Events columns. */
function readEvent(r: ProtoReader, end: number, row: SpanRow): void {
  let timeAt = -1
  let name = ''
  const attrs: StrMap = {}
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === EVENT.tag.time_unix_nano) timeAt = r.fixed64At(end)
    else if (tag === EVENT.tag.name) name = r.string(end, EVENT.what.name)
    else if (tag === EVENT.tag.attributes) readKeyValue(r, r.sub(end, EVENT.what.attributes), attrs)
    else r.other(tag, end, EVENT)
  }
  pushEvent(row, r.u64At(timeAt), name, attrs)
}

/** Reads a link into the row's Links columns. */
function readLink(r: ProtoReader, end: number, row: SpanRow): void {
  const T = LINK.tag
  const W = LINK.what
  let traceId = ''
  let spanId = ''
  let state = ''
  const attrs: StrMap = {}
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === T.trace_id) traceId = r.id(end, W.trace_id)
    else if (tag === T.span_id) spanId = r.id(end, W.span_id)
    else if (tag === T.trace_state) state = r.string(end, W.trace_state)
    else if (tag === T.attributes) readKeyValue(r, r.sub(end, W.attributes), attrs)
    else r.other(tag, end, LINK)
  }
  pushLink(row, traceId, spanId, state, attrs)
}

/** Appends an event to the row's Events columns, which must be the row's own (`ownColumns`). */
function pushEvent(row: SpanRow, time: string, name: string, attrs: StrMap): void {
  row[S['Events.Timestamp']].push(time)
  row[S['Events.Name']].push(name)
  row[S['Events.Attributes']].push(attrs)
}

/** Appends a link to the row's Links columns, which must be the row's own (`ownColumns`). */
function pushLink(row: SpanRow, traceId: string, spanId: string, state: string, attrs: StrMap): void {
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

  const events = arrayOrNone(s.events, 'events')
  if (events.length > 0) ownColumns(row, EVENT_COLUMNS)
  for (let i = 0; i < events.length; i++) jsonEvent(events[i], `events[${i}]`, row)
  const links = arrayOrNone(s.links, 'links')
  if (links.length > 0) ownColumns(row, LINK_COLUMNS)
  for (let i = 0; i < links.length; i++) jsonLink(links[i], `links[${i}]`, row)

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

/** Reads an OTLP/JSON event (at `at`, for errors) into the row's Events columns. */
function jsonEvent(v: unknown, at: string, row: SpanRow): void {
  const e = objectOrNone(v, at) ?? {}
  const time = u64(field(e, 'timeUnixNano', 'time_unix_nano'), `${at}.timeUnixNano`)
  const name = str(e.name, `${at}.name`)
  const attrs: StrMap = {}
  jsonAttributes(e.attributes, attrs, `${at}.attributes`)
  pushEvent(row, time, name, attrs)
}

/** Reads an OTLP/JSON link (at `at`, for errors) into the row's Links columns. */
function jsonLink(v: unknown, at: string, row: SpanRow): void {
  const l = objectOrNone(v, at) ?? {}
  // Link ids are not validated (the exporter stores what it gets), only normalized.
  const traceId = lowerHex(str(field(l, 'traceId', 'trace_id'), `${at}.traceId`))
  const spanId = lowerHex(str(field(l, 'spanId', 'span_id'), `${at}.spanId`))
  const state = str(field(l, 'traceState', 'trace_state'), `${at}.traceState`)
  const attrs: StrMap = {}
  jsonAttributes(l.attributes, attrs, `${at}.attributes`)
  pushLink(row, traceId, spanId, state, attrs)
}
