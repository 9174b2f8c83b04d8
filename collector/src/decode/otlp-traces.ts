/**
 * OTLP traces (ExportTraceServiceRequest, opentelemetry/proto/collector/trace/v1) in protobuf and
 * OTLP/JSON → `otel_traces` rows, with the OTel Collector ClickHouse exporter's value conventions.
 *
 * Rows of one resource share one ResourceAttributes object (and one ServiceName string): they are
 * built once per resource, not per span. Treat rows as immutable.
 */
import type { Decoded, SpanRow, StrMap } from '../rows.js'
import { UNKNOWN_SERVICE } from '../rows.js'
import {
  arrayOrNone,
  badJson,
  checkHexId,
  durationOfDecimal,
  enumValue,
  field,
  jsonAttributes,
  jsonResource,
  jsonScope,
  lowerHex,
  objectOrNone,
  readKeyValue,
  readResource,
  readScope,
  type Scope,
  serviceNameOf,
  str,
  u64,
  withPath,
} from './otlp-common.js'
import {
  allZero,
  durationNs,
  ProtoReader,
  u64ToDecimal,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_VARINT,
  wireTypes,
} from './protobuf.js'

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
const REQ_RESOURCE_SPANS = (1 << 3) | 2
const RS_RESOURCE = (1 << 3) | 2
const RS_SCOPE_SPANS = (2 << 3) | 2
const SS_SCOPE = (1 << 3) | 2
const SS_SPANS = (2 << 3) | 2
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
const REQ_FIELDS = wireTypes({ 1: WIRE_LEN })
const RS_FIELDS = wireTypes({ 1: WIRE_LEN, 2: WIRE_LEN, 3: WIRE_LEN }) // resource, scope_spans, schema_url
const SS_FIELDS = wireTypes({ 1: WIRE_LEN, 2: WIRE_LEN, 3: WIRE_LEN }) // scope, spans, schema_url
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

/**
 * Decodes an OTLP ExportTraceServiceRequest in protobuf into `otel_traces` rows.
 * Spans with invalid ids are left out and counted in `rejected`; a malformed message throws
 * `SKEIN_ERR_BAD_PROTOBUF`.
 */
export function decodeTracesProto(buf: Uint8Array): Decoded<SpanRow> {
  const r = new ProtoReader(buf)
  const out: Decoded<SpanRow> = { rows: [], rejected: 0 }
  const end = r.len
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === REQ_RESOURCE_SPANS) {
      const len = r.length(end, 'ExportTraceServiceRequest.resource_spans')
      readResourceSpans(r, r.pos + len, out)
    } else r.other(tag, end, REQ_FIELDS, 'ExportTraceServiceRequest')
  }
  return out
}

function readResourceSpans(r: ProtoReader, end: number, out: Decoded<SpanRow>): void {
  const rows = out.rows
  const first = rows.length
  const attrs: StrMap = {}
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === RS_SCOPE_SPANS) {
      const len = r.length(end, 'ResourceSpans.scope_spans')
      readScopeSpans(r, r.pos + len, out)
    } else if (tag === RS_RESOURCE) {
      const len = r.length(end, 'ResourceSpans.resource')
      readResource(r, r.pos + len, attrs)
    } else r.other(tag, end, RS_FIELDS, 'ResourceSpans')
  }
  // The resource may come after its spans on the wire; fill it in once the message is complete.
  const service = serviceNameOf(attrs, UNKNOWN_SERVICE)
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]
    row[7] = service
    row[8] = attrs
  }
}

function readScopeSpans(r: ProtoReader, end: number, out: Decoded<SpanRow>): void {
  const rows = out.rows
  const first = rows.length
  const scope: Scope = { name: '', version: '', attributes: {} }
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === SS_SPANS) {
      const len = r.length(end, 'ScopeSpans.spans')
      readSpan(r, r.pos + len, out)
    } else if (tag === SS_SCOPE) {
      const len = r.length(end, 'ScopeSpans.scope')
      readScope(r, r.pos + len, scope)
    } else r.other(tag, end, SS_FIELDS, 'ScopeSpans')
  }
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]
    row[9] = scope.name
    row[10] = scope.version
  }
}

const NO_ATTRS: StrMap = {}

function readSpan(r: ProtoReader, end: number, out: Decoded<SpanRow>): void {
  const buf = r.buf
  // Id fields are remembered as [start, end) offsets and validated/hexed once, at the end.
  let traceStart = 0
  let traceEnd = 0
  let spanStart = 0
  let spanEnd = 0
  let parentStart = 0
  let parentEnd = 0
  let traceState = ''
  let name = ''
  let kind = 0
  let startHi = 0
  let startLo = 0
  let endHi = 0
  let endLo = 0
  let attrs: StrMap | undefined
  let statusCode = 0
  let statusMessage = ''
  let evTs: string[] | undefined
  let evName: string[] | undefined
  let evAttrs: StrMap[] | undefined
  let lkTrace: string[] | undefined
  let lkSpan: string[] | undefined
  let lkState: string[] | undefined
  let lkAttrs: StrMap[] | undefined

  while (r.pos < end) {
    const tag = r.tag(end)
    switch (tag) {
      case SPAN_TRACE_ID:
        traceStart = r.bytes(end, 'Span.trace_id')
        traceEnd = r.pos
        break
      case SPAN_SPAN_ID:
        spanStart = r.bytes(end, 'Span.span_id')
        spanEnd = r.pos
        break
      case SPAN_TRACE_STATE:
        traceState = r.string(end, 'Span.trace_state')
        break
      case SPAN_PARENT_SPAN_ID:
        parentStart = r.bytes(end, 'Span.parent_span_id')
        parentEnd = r.pos
        break
      case SPAN_NAME:
        name = r.string(end, 'Span.name')
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
        if (attrs === undefined) attrs = {}
        readKeyValue(r, r.pos + len, attrs)
        break
      }
      case SPAN_EVENTS: {
        const len = r.length(end, 'Span.events')
        if (evTs === undefined) {
          evTs = []
          evName = []
          evAttrs = []
        }
        readEvent(r, r.pos + len, evTs, evName!, evAttrs!)
        break
      }
      case SPAN_LINKS: {
        const len = r.length(end, 'Span.links')
        if (lkTrace === undefined) {
          lkTrace = []
          lkSpan = []
          lkState = []
          lkAttrs = []
        }
        readLink(r, r.pos + len, lkTrace, lkSpan!, lkState!, lkAttrs!)
        break
      }
      case SPAN_STATUS: {
        const len = r.length(end, 'Span.status')
        const sEnd = r.pos + len
        while (r.pos < sEnd) {
          const t = r.tag(sEnd)
          if (t === STATUS_MESSAGE) statusMessage = r.string(sEnd, 'Status.message')
          else if (t === STATUS_CODE_TAG) statusCode = r.varint32(sEnd)
          else r.other(t, sEnd, STATUS_FIELDS, 'Status')
        }
        break
      }
      default:
        r.other(tag, end, SPAN_FIELDS, 'Span')
    }
  }

  if (traceEnd - traceStart !== 16 || allZero(buf, traceStart, traceEnd)) {
    reject(out, REJECT_TRACE_ID)
    return
  }
  if (spanEnd - spanStart !== 8 || allZero(buf, spanStart, spanEnd)) {
    reject(out, REJECT_SPAN_ID)
    return
  }
  const parentLen = parentEnd - parentStart
  if (parentLen !== 0 && parentLen !== 8) {
    reject(out, REJECT_PARENT_ID)
    return
  }

  out.rows.push([
    u64ToDecimal(startHi, startLo),
    r.hex(traceStart, traceEnd),
    r.hex(spanStart, spanEnd),
    // An all-zero parent is well-formed but means "no parent" to every reader: store it as none.
    parentLen === 0 || allZero(buf, parentStart, parentEnd) ? '' : r.hex(parentStart, parentEnd),
    traceState,
    name,
    kindName(kind),
    UNKNOWN_SERVICE, // set by readResourceSpans
    NO_ATTRS, // set by readResourceSpans
    '', // set by readScopeSpans
    '', // set by readScopeSpans
    attrs ?? {},
    durationNs(startHi, startLo, endHi, endLo),
    statusName(statusCode),
    statusMessage,
    evTs ?? [],
    evName ?? [],
    evAttrs ?? [],
    lkTrace ?? [],
    lkSpan ?? [],
    lkState ?? [],
    lkAttrs ?? [],
  ])
}

function reject(out: Decoded<SpanRow>, reason: string): void {
  if (out.rejected++ === 0) out.rejectReason = reason
}

function readEvent(r: ProtoReader, end: number, ts: string[], names: string[], attrsList: StrMap[]): void {
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
  ts.push(u64ToDecimal(hi, lo))
  names.push(name)
  attrsList.push(attrs)
}

function readLink(
  r: ProtoReader,
  end: number,
  traceIds: string[],
  spanIds: string[],
  states: string[],
  attrsList: StrMap[],
): void {
  let traceId = ''
  let spanId = ''
  let state = ''
  const attrs: StrMap = {}
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === LINK_TRACE_ID) {
      const start = r.bytes(end, 'Span.Link.trace_id')
      traceId = r.hex(start, r.pos)
    } else if (tag === LINK_SPAN_ID) {
      const start = r.bytes(end, 'Span.Link.span_id')
      spanId = r.hex(start, r.pos)
    } else if (tag === LINK_TRACE_STATE) state = r.string(end, 'Span.Link.trace_state')
    else if (tag === LINK_ATTRIBUTES) {
      const len = r.length(end, 'Span.Link.attributes')
      readKeyValue(r, r.pos + len, attrs)
    } else r.other(tag, end, LINK_FIELDS, 'Span.Link')
  }
  traceIds.push(traceId)
  spanIds.push(spanId)
  states.push(state)
  attrsList.push(attrs)
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON

/**
 * Decodes an OTLP/JSON ExportTraceServiceRequest (already parsed) into `otel_traces` rows.
 * Accepts lowerCamelCase and snake_case keys, hex ids, 64-bit integers as strings or numbers and
 * enums as numbers or names. Spans with invalid ids are left out and counted in `rejected`; a body
 * of the wrong shape throws `SKEIN_ERR_BAD_JSON` naming where.
 */
export function decodeTracesJson(body: unknown): Decoded<SpanRow> {
  const out: Decoded<SpanRow> = { rows: [], rejected: 0 }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    badJson('invalid OTLP/JSON: expected an ExportTraceServiceRequest object')
  }
  const resourceSpans = arrayOrNone(
    field(body as Record<string, unknown>, 'resourceSpans', 'resource_spans'),
    'resourceSpans',
  )
  for (let i = 0; i < resourceSpans.length; i++) {
    let where = `resourceSpans[${i}]`
    try {
      const rs = objectOrNone(resourceSpans[i], 'resourceSpans') ?? {}
      const attrs: StrMap = {}
      jsonResource(rs.resource, attrs)
      const service = serviceNameOf(attrs, UNKNOWN_SERVICE)
      const scopeSpans = arrayOrNone(field(rs, 'scopeSpans', 'scope_spans'), 'scopeSpans')
      for (let j = 0; j < scopeSpans.length; j++) {
        where = `resourceSpans[${i}].scopeSpans[${j}]`
        const ss = objectOrNone(scopeSpans[j], 'scopeSpans') ?? {}
        const scope = jsonScope(ss.scope)
        const spans = arrayOrNone(ss.spans, 'spans')
        for (let k = 0; k < spans.length; k++) {
          where = `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`
          jsonSpan(spans[k], service, attrs, scope, out)
        }
      }
    } catch (e) {
      throw withPath(e, where)
    }
  }
  return out
}

function jsonSpan(v: unknown, service: string, resAttrs: StrMap, scope: Scope, out: Decoded<SpanRow>): void {
  const s = objectOrNone(v, 'span') ?? {}
  const traceId = str(field(s, 'traceId', 'trace_id'), 'traceId')
  const spanId = str(field(s, 'spanId', 'span_id'), 'spanId')
  const parentSpanId = str(field(s, 'parentSpanId', 'parent_span_id'), 'parentSpanId')
  if (checkHexId(traceId, 16) !== 'ok') {
    reject(out, REJECT_TRACE_ID)
    return
  }
  if (checkHexId(spanId, 8) !== 'ok') {
    reject(out, REJECT_SPAN_ID)
    return
  }
  const parentCheck = checkHexId(parentSpanId, 8)
  // An all-zero parent is 8 bytes, so valid on the wire; it means "no parent" to every reader.
  if (parentCheck === 'bad') {
    reject(out, REJECT_PARENT_ID)
    return
  }

  const start = u64(field(s, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano')
  const endTs = u64(field(s, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano')
  const attrs: StrMap = {}
  jsonAttributes(s.attributes, attrs, 'attributes')

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

  const status = objectOrNone(s.status, 'status')
  let statusCode = 0
  let statusMessage = ''
  if (status !== undefined) {
    statusCode = enumValue(status.code ?? undefined, STATUS_CODE_NAMES, 'status.code')
    statusMessage = str(status.message, 'status.message')
  }

  out.rows.push([
    start,
    lowerHex(traceId),
    lowerHex(spanId),
    parentCheck === 'ok' ? lowerHex(parentSpanId) : '',
    str(field(s, 'traceState', 'trace_state'), 'traceState'),
    str(s.name, 'name'),
    kindName(enumValue(s.kind ?? undefined, SPAN_KIND_NAMES, 'kind')),
    service,
    resAttrs,
    scope.name,
    scope.version,
    attrs,
    durationOfDecimal(start, endTs),
    statusName(statusCode),
    statusMessage,
    evTs,
    evName,
    evAttrs,
    lkTrace,
    lkSpan,
    lkState,
    lkAttrs,
  ])
}
