/**
 * The envelope that OTLP traces and logs share, in protobuf and in OTLP/JSON:
 *
 *   Export{Trace,Logs}ServiceRequest { repeated Resource{Spans,Logs} = 1 }
 *   Resource{Spans,Logs} { Resource resource = 1; repeated Scope{Spans,Logs} = 2; string schema_url = 3 }
 *   Scope{Spans,Logs}    { InstrumentationScope scope = 1; repeated {Span,LogRecord} = 2; string schema_url = 3 }
 *
 * One walker per format reads it for either signal; the signal supplies the leaf reader (a span or a log
 * record into a row) and its table's column positions. A leaf pushes its row with the envelope's columns
 * empty; the walker fills them once the resource or scope message is complete, since on the wire a
 * resource may come after its spans. Rows of one resource share one ResourceAttributes object (and one
 * ServiceName string), rows of one scope one ScopeAttributes object: treat rows as immutable.
 */
import type { Decoded, StrMap } from '../rows.js'
import { UNKNOWN_SERVICE } from '../rows.js'
import {
  arrayOrNone,
  badJson,
  field,
  jsonAttributes,
  objectOrNone,
  readKeyValue,
  serviceNameOf,
  str,
  withPath,
} from './otlp-common.js'
import { type ProtoMessage, ProtoReader, protoMessage } from './protobuf.js'

/** Reads one leaf message (`r` up to `end`) and pushes its row on `out.rows`, or counts it in `out.rejected`. */
export type ProtoLeaf<R> = (r: ProtoReader, end: number, out: Decoded<R>) => void
/** The same for a leaf of OTLP/JSON (an element of the scope's array, not yet checked to be an object). */
export type JsonLeaf<R> = (v: unknown, out: Decoded<R>) => void

/** What a signal tells the walkers. */
export interface SignalSpec<R> {
  /**
   * Names as in the .proto: the request, resource and scope messages and the scope's repeated leaf field,
   * e.g. ['ExportTraceServiceRequest', 'ResourceSpans', 'ScopeSpans', 'spans'].
   */
  names: readonly [request: string, resource: string, scope: string, leaves: string]
  /** Column positions of the signal's table (rows.ts): the envelope's columns are found by name. */
  positions: Readonly<Record<string, number>>
  readProto: ProtoLeaf<R>
  readJson: JsonLeaf<R>
}

/** The decoders of a signal, both formats. */
export interface Decoders<R> {
  /** Bytes of an Export*ServiceRequest in protobuf → rows (see `walkProto`). */
  proto(buf: Uint8Array): Decoded<R>
  /** An Export*ServiceRequest in OTLP/JSON, already parsed → rows (see `walkJson`). */
  json(body: unknown): Decoded<R>
}

/** The protobuf and OTLP/JSON decoders of a signal. */
export function decoders<R>(spec: SignalSpec<R>): Decoders<R> {
  const sig = signal(spec)
  return { proto: (buf) => walkProto(buf, sig), json: (body) => walkJson(body, sig) }
}

/** A signal as the walkers use it: names for errors and column positions worked out once. */
interface Signal<R> {
  readonly readProto: ProtoLeaf<R>
  readonly readJson: JsonLeaf<R>
  readonly at: EnvelopeColumns
  readonly proto: ProtoNames
  readonly json: JsonNames
}

/** Positions of the envelope's columns in a row; -1 where the table has no such column. */
interface EnvelopeColumns {
  serviceName: number
  resourceAttributes: number
  resourceSchemaUrl: number
  scopeName: number
  scopeVersion: number
  scopeAttributes: number
  scopeSchemaUrl: number
}

/**
 * The envelope's messages under the signal's names, and field names for protobuf errors
 * ('ResourceSpans.scope_spans'), built once rather than per message.
 */
interface ProtoNames {
  request: ProtoMessage<string>
  requestResources: string
  resource: ProtoMessage<string>
  resourceResource: string
  resourceScopes: string
  resourceSchemaUrl: string
  scope: ProtoMessage<string>
  scopeScope: string
  scopeLeaves: string
  scopeSchemaUrl: string
}

/** OTLP/JSON keys (lowerCamelCase and the proto name protobuf JSON parsers also accept). */
interface JsonNames {
  request: string
  resources: string
  resourcesSnake: string
  scopes: string
  scopesSnake: string
  leaves: string
  leavesSnake: string
}

const snake = (message: string) => message.replace(/(?<=[a-z])([A-Z])/g, '_$1').toLowerCase()
const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

function signal<R>(spec: SignalSpec<R>): Signal<R> {
  const [request, resource, scope, leaves] = spec.names
  const positions = spec.positions
  const at = (column: string) => (Object.hasOwn(positions, column) ? positions[column] : -1)
  return {
    readProto: spec.readProto,
    readJson: spec.readJson,
    at: {
      serviceName: at('ServiceName'),
      resourceAttributes: at('ResourceAttributes'),
      resourceSchemaUrl: at('ResourceSchemaUrl'),
      scopeName: at('ScopeName'),
      scopeVersion: at('ScopeVersion'),
      scopeAttributes: at('ScopeAttributes'),
      scopeSchemaUrl: at('ScopeSchemaUrl'),
    },
    proto: {
      request: { ...REQUEST, name: request },
      requestResources: `${request}.${snake(resource)}`,
      resource: { ...RESOURCE_MESSAGE, name: resource },
      resourceResource: `${resource}.resource`,
      resourceScopes: `${resource}.${snake(scope)}`,
      resourceSchemaUrl: `${resource}.schema_url`,
      scope: { ...SCOPE_MESSAGE, name: scope },
      scopeScope: `${scope}.scope`,
      scopeLeaves: `${scope}.${leaves}`,
      scopeSchemaUrl: `${scope}.schema_url`,
    },
    json: {
      request,
      resources: camel(snake(resource)),
      resourcesSnake: snake(resource),
      scopes: camel(snake(scope)),
      scopesSnake: snake(scope),
      leaves: camel(leaves),
      leavesSnake: leaves,
    },
  }
}

/** Counts a rejected leaf, keeping the first reason (reported as OTLP partial success); false. */
export function reject(out: Decoded<unknown>, reason: string): false {
  if (out.rejected++ === 0) out.rejectReason = reason
  return false
}

/** Instrumentation scope of a ScopeSpans/ScopeLogs. */
interface Scope {
  name: string
  version: string
  attributes: StrMap
}

/** Fills the resource's columns of the rows from `first` on. */
function fillResource(
  rows: unknown[][],
  first: number,
  at: EnvelopeColumns,
  attrs: StrMap,
  schemaUrl: string,
) {
  const service = serviceNameOf(attrs, UNKNOWN_SERVICE)
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]
    row[at.serviceName] = service
    row[at.resourceAttributes] = attrs
    if (at.resourceSchemaUrl >= 0) row[at.resourceSchemaUrl] = schemaUrl
  }
}

/** Fills the scope's columns of the rows from `first` on. */
function fillScope(rows: unknown[][], first: number, at: EnvelopeColumns, scope: Scope, schemaUrl: string) {
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]
    row[at.scopeName] = scope.name
    row[at.scopeVersion] = scope.version
    if (at.scopeAttributes >= 0) row[at.scopeAttributes] = scope.attributes
    if (at.scopeSchemaUrl >= 0) row[at.scopeSchemaUrl] = schemaUrl
  }
}

// ---------------------------------------------------------------------------------------------
// Protobuf

// The envelope's field numbers are the same in trace.proto and logs.proto; the walker uses these under the
// signal's own names (Signal.proto), so that errors say 'ResourceSpans' or 'ResourceLogs'.
const REQUEST = protoMessage('message ExportServiceRequest { repeated ResourceMessage resources = 1; }')
const RESOURCE_MESSAGE = protoMessage(`message ResourceMessage { Resource resource = 1;
  repeated ScopeMessage scopes = 2; string schema_url = 3; }`)
const SCOPE_MESSAGE = protoMessage(`message ScopeMessage { InstrumentationScope scope = 1;
  repeated Leaf leaves = 2; string schema_url = 3; }`)
// resource.proto and common.proto.
const RESOURCE = protoMessage(`message Resource { repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2; repeated EntityRef entity_refs = 3; }`)
const SCOPE = protoMessage(`message InstrumentationScope { string name = 1; string version = 2;
  repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }`)

/**
 * Decodes an Export{Trace,Logs}ServiceRequest in protobuf into rows of the signal's table. Leaves the
 * signal rejects are left out and counted; a malformed message throws `SKEIN_ERR_BAD_PROTOBUF`.
 */
function walkProto<R>(buf: Uint8Array, sig: Signal<R>): Decoded<R> {
  const r = new ProtoReader(buf)
  const out: Decoded<R> = { rows: [], rejected: 0 }
  const end = r.len
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === REQUEST.tag.resources) {
      readResourceMessage(r, r.sub(end, sig.proto.requestResources), sig, out)
    } else r.other(tag, end, sig.proto.request)
  }
  return out
}

function readResourceMessage<R>(r: ProtoReader, end: number, sig: Signal<R>, out: Decoded<R>): void {
  const first = out.rows.length
  const names = sig.proto
  const attrs: StrMap = {}
  let schemaUrl = ''
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === RESOURCE_MESSAGE.tag.scopes) readScopeMessage(r, r.sub(end, names.resourceScopes), sig, out)
    else if (tag === RESOURCE_MESSAGE.tag.resource) readResource(r, r.sub(end, names.resourceResource), attrs)
    else if (tag === RESOURCE_MESSAGE.tag.schema_url && sig.at.resourceSchemaUrl >= 0) {
      schemaUrl = r.string(end, names.resourceSchemaUrl)
    } else r.other(tag, end, names.resource)
  }
  fillResource(out.rows as unknown[][], first, sig.at, attrs, schemaUrl)
}

function readScopeMessage<R>(r: ProtoReader, end: number, sig: Signal<R>, out: Decoded<R>): void {
  const first = out.rows.length
  const names = sig.proto
  const readLeaf = sig.readProto
  const scope: Scope = { name: '', version: '', attributes: {} }
  let schemaUrl = ''
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === SCOPE_MESSAGE.tag.leaves) readLeaf(r, r.sub(end, names.scopeLeaves), out)
    else if (tag === SCOPE_MESSAGE.tag.scope) readScope(r, r.sub(end, names.scopeScope), scope)
    else if (tag === SCOPE_MESSAGE.tag.schema_url && sig.at.scopeSchemaUrl >= 0) {
      schemaUrl = r.string(end, names.scopeSchemaUrl)
    } else r.other(tag, end, names.scope)
  }
  fillScope(out.rows as unknown[][], first, sig.at, scope, schemaUrl)
}

/**
 * Reads one Resource message: attributes into `attrs` (which may already hold attributes from an
 * earlier occurrence: protobuf merges repeated embedded messages).
 */
function readResource(r: ProtoReader, end: number, attrs: StrMap): void {
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === RESOURCE.tag.attributes) readKeyValue(r, r.sub(end, RESOURCE.what.attributes), attrs)
    else r.other(tag, end, RESOURCE)
  }
}

/** Reads one InstrumentationScope message into `scope`. */
function readScope(r: ProtoReader, end: number, scope: Scope): void {
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === SCOPE.tag.name) scope.name = r.string(end, SCOPE.what.name)
    else if (tag === SCOPE.tag.version) scope.version = r.string(end, SCOPE.what.version)
    else if (tag === SCOPE.tag.attributes)
      readKeyValue(r, r.sub(end, SCOPE.what.attributes), scope.attributes)
    else r.other(tag, end, SCOPE)
  }
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON

/**
 * Decodes an OTLP/JSON Export{Trace,Logs}ServiceRequest (already parsed) into rows of the signal's
 * table. Accepts lowerCamelCase and snake_case keys. Leaves the signal rejects are left out and counted;
 * a body of the wrong shape throws `SKEIN_ERR_BAD_JSON` naming where (`resourceSpans[0].scopeSpans[1].spans[2]`).
 */
function walkJson<R>(body: unknown, sig: Signal<R>): Decoded<R> {
  const out: Decoded<R> = { rows: [], rejected: 0 }
  const names = sig.json
  const at = sig.at
  const readLeaf = sig.readJson
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    badJson(`invalid OTLP/JSON: expected an ${names.request} object`)
  }
  const resources = arrayOrNone(
    field(body as Record<string, unknown>, names.resources, names.resourcesSnake),
    names.resources,
  )
  for (let i = 0; i < resources.length; i++) {
    // Where we are, for the error message only: the path is built if something throws.
    let j = -1
    let k = -1
    try {
      const res = objectOrNone(resources[i], names.resources) ?? {}
      const attrs: StrMap = {}
      jsonResource(res.resource, attrs)
      const resSchemaUrl =
        at.resourceSchemaUrl >= 0 ? str(field(res, 'schemaUrl', 'schema_url'), 'schemaUrl') : ''
      const scopes = arrayOrNone(field(res, names.scopes, names.scopesSnake), names.scopes)
      for (j = 0; j < scopes.length; j++) {
        k = -1
        const first = out.rows.length
        const sc = objectOrNone(scopes[j], names.scopes) ?? {}
        const scope = jsonScope(sc.scope)
        const scopeSchemaUrl =
          at.scopeSchemaUrl >= 0 ? str(field(sc, 'schemaUrl', 'schema_url'), 'schemaUrl') : ''
        const leaves = arrayOrNone(field(sc, names.leaves, names.leavesSnake), names.leaves)
        for (k = 0; k < leaves.length; k++) readLeaf(leaves[k], out)
        fillScope(out.rows as unknown[][], first, at, scope, scopeSchemaUrl)
        fillResource(out.rows as unknown[][], first, at, attrs, resSchemaUrl)
      }
    } catch (e) {
      let where = `${names.resources}[${i}]`
      if (j >= 0) where += `.${names.scopes}[${j}]`
      if (k >= 0) where += `.${names.leaves}[${k}]`
      throw withPath(e, where)
    }
  }
  return out
}

/** Reads an OTLP/JSON Resource into `attrs`. */
function jsonResource(v: unknown, attrs: StrMap): void {
  const o = objectOrNone(v, 'resource')
  if (o !== undefined) jsonAttributes(o.attributes, attrs, 'resource.attributes')
}

/** Reads an OTLP/JSON InstrumentationScope. */
function jsonScope(v: unknown): Scope {
  const scope: Scope = { name: '', version: '', attributes: {} }
  const o = objectOrNone(v, 'scope')
  if (o !== undefined) {
    scope.name = str(o.name, 'scope.name')
    scope.version = str(o.version, 'scope.version')
    jsonAttributes(o.attributes, scope.attributes, 'scope.attributes')
  }
  return scope
}
