/**
 * The compact form of a trace (GET /api/v1/traces/{traceId}/compact): per span only what a waterfall row
 * needs, in a columnar binary layout that the browser reads without parsing, so that a million-span trace
 * opens. A span's attributes, events and logs are fetched when it is selected (…/spans/{spanId}).
 *
 * Layout, little-endian:
 *
 *     "SKCT"  u32 header length H  header (H bytes of UTF-8 JSON)  padding  column  padding  column …
 *
 * The header (`CompactHeader`) holds the trace's id and start, the span count, the dictionaries of
 * services, names, kinds and status codes, and where each column starts (a multiple of 8, so that it can
 * be read in place as a typed array) and of what type. One value per span in every column, spans in start
 * order:
 *
 * | column   | type        | value                                                                      |
 * |----------|-------------|----------------------------------------------------------------------------|
 * | start    | f64         | ns after the header's startNs (exact: a double holds 104 days of ns)        |
 * | duration | f64         | ns                                                                         |
 * | parent   | i32         | position of the parent span; -1 none (a root); -2 not in the trace (its id is in the header's missingParents) |
 * | service  | u8/u16/u32  | index into services                                                        |
 * | name     | u8/u16/u32  | index into names                                                           |
 * | kind     | u8/u16/u32  | index into kinds                                                           |
 * | status   | u8/u16/u32  | index into statuses                                                        |
 * | logs     | u8/u16/u32  | log lines the span wrote (saturates at the type's maximum)                 |
 * | id       | ascii16     | the span id, 16 bytes of ASCII (those that are not 16 printable characters are in the header's oddIds) |
 *
 * Dictionary and count columns take the narrowest type their largest value fits. A million spans over a
 * few dozen operations is 16 + 8 + 8 + 4 + 4 × 1 = 40 bytes a span.
 */
import {
  assembleTree,
  isErrorStatus,
  MISSING_PARENT,
  NO_PARENT,
  type RowSpan,
  type SpanTree,
} from './tree.js'

export const COMPACT_MAGIC = 'SKCT'
export const COMPACT_VERSION = 1
/** The answer's Content-Type. */
export const COMPACT_MEDIA_TYPE = 'application/vnd.skein.compact-trace'

export type CompactColumnType = 'u8' | 'u16' | 'u32' | 'i32' | 'f64' | 'ascii16'
export const COMPACT_COLUMNS = [
  'start',
  'duration',
  'parent',
  'service',
  'name',
  'kind',
  'status',
  'logs',
  'id',
] as const
export type CompactColumnName = (typeof COMPACT_COLUMNS)[number]

export interface CompactHeader {
  version: number
  traceId: string
  /** Unix ns of the earliest span start, a decimal string: every start is measured from it. */
  startNs: string
  spanCount: number
  /** The server stopped at its span limit; the trace has more spans. */
  truncated: boolean
  /** Log lines of the trace in all (the logs column counts them per span). */
  logCount: number
  services: string[]
  names: string[]
  kinds: string[]
  statuses: string[]
  /** Parent ids that name no span of the trace, by span position (the parent column says -2). */
  missingParents: Record<string, string>
  /** Span ids that are not 16 printable ASCII characters, by span position. */
  oddIds: Record<string, string>
  columns: Record<CompactColumnName, { type: CompactColumnType; offset: number }>
}

/** A trace's spans as the encoder takes them: columns, one value per span, in start order. */
export interface CompactInput {
  traceId: string
  truncated: boolean
  /** Unix ns the starts are measured from (the earliest start), a decimal string. */
  startNs: string
  spanId: readonly string[]
  parentSpanId: readonly string[]
  service: readonly string[]
  name: readonly string[]
  kind: readonly string[]
  statusCode: readonly string[]
  /** ns after startNs. */
  startOffsetNs: ArrayLike<number>
  durationNs: ArrayLike<number>
  /** Log lines per span (absent: none). */
  logCount?: ArrayLike<number>
}

const SIZE: Record<CompactColumnType, number> = { u8: 1, u16: 2, u32: 4, i32: 4, f64: 8, ascii16: 16 }

function widthFor(max: number): 'u8' | 'u16' | 'u32' {
  return max <= 0xff ? 'u8' : max <= 0xffff ? 'u16' : 'u32'
}

const align8 = (x: number) => (x + 7) & ~7

const ARRAY = {
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f64: Float64Array,
  ascii16: Uint8Array,
} as const

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Dictionary indexes of `values` in order of first appearance. */
function dictionary(values: readonly string[]): Dictionary {
  const at = new Map<string, number>()
  const words: string[] = []
  const index = new Uint32Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? ''
    let k = at.get(v)
    if (k === undefined) {
      k = words.length
      at.set(v, k)
      words.push(v)
    }
    index[i] = k
  }
  return { words, index }
}

/** 16 printable ASCII characters (a regex was a fifth of the encoder's time). */
function printable16(id: string): boolean {
  if (typeof id !== 'string' || id.length !== 16) return false
  for (let k = 0; k < 16; k++) {
    const c = id.charCodeAt(k)
    if (c < 0x20 || c > 0x7e) return false
  }
  return true
}

/** A dictionary-encoded column: each span's value as a position in `words`. */
export interface Dictionary {
  words: readonly string[]
  index: ArrayLike<number>
}

/**
 * The compact form's columns once dictionary-encoded and with parents as positions: what
 * encodeCompactTrace makes of a CompactInput, and what a reader that has them already gives directly (the
 * collector, from ClickHouse, without a million strings).
 */
export interface CompactColumns {
  traceId: string
  truncated: boolean
  /** Unix ns the starts are measured from, a decimal string. */
  startNs: string
  spanCount: number
  /** Each span's id. */
  spanId(i: number): string
  /** Or every id at once, 16 characters each, one after the other (used when all are printable ASCII). */
  idText?: string
  /** The parent's position, NO_PARENT or MISSING_PARENT. */
  parent: ArrayLike<number>
  /** The parent ids of the spans whose parent is MISSING_PARENT, by position. */
  missingParents: Record<string, string>
  services: Dictionary
  names: Dictionary
  kinds: Dictionary
  statuses: Dictionary
  startOffsetNs: ArrayLike<number>
  durationNs: ArrayLike<number>
  logCount?: ArrayLike<number>
}

/** The compact form of a trace. */
export function encodeCompactTrace(input: CompactInput): Uint8Array {
  const n = input.spanId.length
  for (const col of [input.parentSpanId, input.service, input.name, input.kind, input.statusCode])
    if (col.length !== n) throw new Error('compact trace: columns of different lengths')
  // The parent of a span is the first span with its parent id, as the span tree takes it.
  // Set from the last to the first: what stays is each id's first position, one map operation an id.
  const first = new Map<string, number>()
  for (let i = n - 1; i >= 0; i--) first.set(input.spanId[i], i)
  const parent = new Int32Array(n)
  const missingParents: Record<string, string> = {}
  for (let i = 0; i < n; i++) {
    const pid = input.parentSpanId[i]
    if (!pid) parent[i] = NO_PARENT
    else {
      const p = first.get(pid)
      if (p === undefined) {
        parent[i] = MISSING_PARENT
        missingParents[i] = pid
      } else parent[i] = p
    }
  }
  return encodeCompactColumns({
    traceId: input.traceId,
    truncated: input.truncated,
    startNs: input.startNs,
    spanCount: n,
    spanId: (i) => input.spanId[i],
    parent,
    missingParents,
    services: dictionary(input.service),
    names: dictionary(input.name),
    kinds: dictionary(input.kind),
    statuses: dictionary(input.statusCode),
    startOffsetNs: input.startOffsetNs,
    durationNs: input.durationNs,
    logCount: input.logCount,
  })
}

function printableAscii(text: string): boolean {
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k)
    if (c < 0x20 || c > 0x7e) return false
  }
  return true
}

/** The compact form from dictionary-encoded columns. */
export function encodeCompactColumns(c: CompactColumns): Uint8Array {
  const n = c.spanCount
  for (const col of [c.parent, c.services.index, c.names.index, c.kinds.index, c.statuses.index])
    if (col.length !== n) throw new Error('compact trace: columns of different lengths')
  const idText =
    c.idText !== undefined && c.idText.length === 16 * n && printableAscii(c.idText) ? c.idText : undefined
  const oddIds: Record<string, string> = {}
  if (idText === undefined)
    for (let i = 0; i < n; i++) {
      const id = c.spanId(i)
      if (!printable16(id)) oddIds[i] = id
    }
  let logMax = 0
  let logTotal = 0
  for (let i = 0; i < n; i++) {
    const v = c.logCount?.[i] ?? 0
    logTotal += v
    if (v > logMax) logMax = v
  }
  const { services, names, kinds, statuses } = c

  const types: Record<CompactColumnName, CompactColumnType> = {
    start: 'f64',
    duration: 'f64',
    parent: 'i32',
    service: widthFor(services.words.length - 1),
    name: widthFor(names.words.length - 1),
    kind: widthFor(kinds.words.length - 1),
    status: widthFor(statuses.words.length - 1),
    logs: widthFor(logMax),
    id: 'ascii16',
  }
  const header: CompactHeader = {
    version: COMPACT_VERSION,
    traceId: c.traceId,
    startNs: c.startNs,
    spanCount: n,
    truncated: c.truncated,
    logCount: logTotal,
    services: [...services.words],
    names: [...names.words],
    kinds: [...kinds.words],
    statuses: [...statuses.words],
    missingParents: c.missingParents,
    oddIds,
    columns: {} as CompactHeader['columns'],
  }
  // Offsets depend on the header's length, which depends on the offsets' digits: leave the header room
  // and grow it until it fits (twice at most: the slack covers the offsets' new digits).
  let room = 0
  let headerBytes = new Uint8Array(0)
  let total = 0
  for (;;) {
    let at = align8(8 + room)
    for (const name of COMPACT_COLUMNS) {
      header.columns[name] = { type: types[name], offset: at }
      at = align8(at + SIZE[types[name]] * n)
    }
    total = at
    headerBytes = new TextEncoder().encode(JSON.stringify(header))
    if (headerBytes.length <= room) break
    room = align8(headerBytes.length + 64)
  }
  // The header is padded with spaces (still valid JSON) up to where the columns start.
  room = header.columns.start.offset - 8
  const buf = new Uint8Array(total)
  buf.set([0x53, 0x4b, 0x43, 0x54], 0)
  const view = new DataView(buf.buffer)
  view.setUint32(4, room, true)
  buf.fill(0x20, 8, 8 + room)
  buf.set(headerBytes, 8)

  // Written through typed arrays over the aligned columns (ten times the speed of a DataView per value);
  // a big-endian machine takes the DataView.
  const put = (name: CompactColumnName, value: (i: number) => number) => {
    const { type, offset } = header.columns[name]
    const cap = type === 'u8' ? 0xff : type === 'u16' ? 0xffff : 0xffffffff
    const clamp = (v: number) => (v >= cap ? cap : v > 0 ? Math.trunc(v) : 0)
    if (LITTLE_ENDIAN && type !== 'ascii16') {
      const col = new ARRAY[type](buf.buffer, offset, n)
      if (type === 'f64' || type === 'i32') for (let i = 0; i < n; i++) col[i] = value(i)
      else for (let i = 0; i < n; i++) col[i] = clamp(value(i))
      return
    }
    for (let i = 0; i < n; i++) {
      const at = offset + i * SIZE[type]
      const v = value(i)
      if (type === 'f64') view.setFloat64(at, v, true)
      else if (type === 'i32') view.setInt32(at, v, true)
      else if (type === 'u8') view.setUint8(at, clamp(v))
      else if (type === 'u16') view.setUint16(at, clamp(v), true)
      else view.setUint32(at, clamp(v), true)
    }
  }
  put('start', (i) => c.startOffsetNs[i])
  put('duration', (i) => Math.max(0, c.durationNs[i] || 0))
  put('parent', (i) => c.parent[i])
  put('service', (i) => services.index[i])
  put('name', (i) => names.index[i])
  put('kind', (i) => kinds.index[i])
  put('status', (i) => statuses.index[i])
  put('logs', (i) => c.logCount?.[i] ?? 0)
  const ids = header.columns.id.offset
  if (idText !== undefined) new TextEncoder().encodeInto(idText, buf.subarray(ids, ids + 16 * n))
  else
    for (let i = 0; i < n; i++) {
      if (oddIds[i] !== undefined) continue
      const id = c.spanId(i)
      for (let k = 0; k < 16; k++) buf[ids + i * 16 + k] = id.charCodeAt(k)
    }
  return buf
}

type UintArray = Uint8Array | Uint16Array | Uint32Array

/** A decoded compact trace: the header and its columns, read in place. */
export interface CompactTrace {
  header: CompactHeader
  traceId: string
  /** Unix ns the starts are measured from. */
  base: bigint
  spanCount: number
  start: Float64Array
  duration: Float64Array
  parent: Int32Array
  service: UintArray
  name: UintArray
  kind: UintArray
  status: UintArray
  logs: UintArray
  spanId(i: number): string
  parentSpanId(i: number): string
}

export class CompactFormatError extends Error {
  constructor(message: string) {
    super(`not a compact trace: ${message}`)
    this.name = 'CompactFormatError'
  }
}

/** Reads the compact form; throws CompactFormatError on anything else (a truncated body, another format). */
export function decodeCompactTrace(data: ArrayBuffer | Uint8Array): CompactTrace {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data)
  if (bytes.length < 8 || String.fromCharCode(...bytes.subarray(0, 4)) !== COMPACT_MAGIC)
    throw new CompactFormatError('no SKCT signature')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = view.getUint32(4, true)
  if (8 + length > bytes.length) throw new CompactFormatError('the header runs past the end')
  let header: CompactHeader
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)))
  } catch {
    throw new CompactFormatError('the header is not JSON')
  }
  if (header?.version !== COMPACT_VERSION) throw new CompactFormatError(`version ${header?.version}`)
  const n = header.spanCount
  if (!Number.isInteger(n) || n < 0) throw new CompactFormatError('bad span count')
  // Columns are read in place when aligned and the machine is little-endian; else copied.
  const column = (name: CompactColumnName): ArrayLike<number> & { buffer?: ArrayBufferLike } => {
    const c = header.columns?.[name]
    if (!c || !(c.type in SIZE)) throw new CompactFormatError(`no ${name} column`)
    const size = SIZE[c.type]
    if (c.offset < 8 + length || c.offset + size * n > bytes.length)
      throw new CompactFormatError(`the ${name} column runs past the end`)
    const at = bytes.byteOffset + c.offset
    const inPlace = LITTLE_ENDIAN && at % size === 0
    const T = ARRAY[c.type]
    if (c.type === 'ascii16') return bytes.subarray(c.offset, c.offset + 16 * n)
    if (inPlace) return new T(bytes.buffer as ArrayBuffer, at, n)
    const out = new T(n)
    for (let i = 0; i < n; i++) {
      const p = c.offset + i * size
      out[i] =
        c.type === 'f64'
          ? view.getFloat64(p, true)
          : c.type === 'i32'
            ? view.getInt32(p, true)
            : c.type === 'u32'
              ? view.getUint32(p, true)
              : c.type === 'u16'
                ? view.getUint16(p, true)
                : view.getUint8(p)
    }
    return out
  }
  const idBytes = column('id') as Uint8Array
  // One string of every id, sliced per span: a million ids cost one decode, not a million.
  const idText = new TextDecoder('latin1').decode(idBytes)
  const odd = header.oddIds ?? {}
  const missing = header.missingParents ?? {}
  const parent = column('parent') as Int32Array
  const spanId = (i: number) => odd[i] ?? idText.substring(i * 16, i * 16 + 16)
  return {
    header,
    traceId: header.traceId,
    base: BigInt(/^\d+$/.test(header.startNs) ? header.startNs : '0'),
    spanCount: n,
    start: column('start') as Float64Array,
    duration: column('duration') as Float64Array,
    parent,
    service: column('service') as UintArray,
    name: column('name') as UintArray,
    kind: column('kind') as UintArray,
    status: column('status') as UintArray,
    logs: column('logs') as UintArray,
    spanId,
    parentSpanId: (i) => {
      const p = parent[i]
      return p >= 0 && p < n ? spanId(p) : p === MISSING_PARENT ? (missing[i] ?? '') : ''
    },
  }
}

/**
 * One span of a compact trace: what a row shows, read from the columns when asked (a million of them cost
 * two fields each). `startNs` and `durationNs` are strings like the API's.
 */
export class CompactSpan implements RowSpan {
  constructor(
    private readonly t: CompactTrace,
    readonly index: number,
  ) {}
  get spanId(): string {
    return this.t.spanId(this.index)
  }
  get parentSpanId(): string {
    return this.t.parentSpanId(this.index)
  }
  get service(): string {
    return this.t.header.services[this.t.service[this.index]] ?? ''
  }
  get name(): string {
    return this.t.header.names[this.t.name[this.index]] ?? ''
  }
  get kind(): string {
    return this.t.header.kinds[this.t.kind[this.index]] ?? ''
  }
  get statusCode(): string {
    return this.t.header.statuses[this.t.status[this.index]] ?? ''
  }
  get startNs(): string {
    return (this.t.base + BigInt(Math.round(this.t.start[this.index]))).toString()
  }
  get durationNs(): string {
    return String(this.t.duration[this.index])
  }
  get durationMs(): number {
    return this.t.duration[this.index] / 1e6
  }
  get logCount(): number {
    return this.t.logs[this.index]
  }
}

/** The span tree of a compact trace, built from its columns (tree.ts's rules for orphans, cycles, skew). */
export function compactSpanTree(t: CompactTrace): SpanTree<CompactSpan> {
  const n = t.spanCount
  const spans = new Array<CompactSpan>(n)
  for (let i = 0; i < n; i++) spans[i] = new CompactSpan(t, i)
  const errorStatus = t.header.statuses.map(isErrorStatus)
  const services = t.header.services
  return assembleTree<CompactSpan>({
    count: n,
    base: t.base,
    spanAt: (i) => spans[i],
    idAt: t.spanId,
    start: t.start,
    duration: t.duration,
    parentOf: (i) => t.parent[i],
    sameService: (i, j) => t.service[i] === t.service[j],
    isError: (i) => errorStatus[t.status[i]] === true,
    serviceAt: (i) => services[t.service[i]] ?? '',
  })
}

/**
 * The encoder's input from spans as the API answers them (tests, the benchmark, and anything holding whole
 * spans): starts measured from the earliest; `logCount` by span id.
 */
export function compactInputOf(
  traceId: string,
  spans: readonly (Pick<
    RowSpan,
    'spanId' | 'parentSpanId' | 'service' | 'name' | 'kind' | 'statusCode' | 'startNs'
  > & {
    durationNs?: string
    durationMs?: number
  })[],
  options: { truncated?: boolean; logCount?: ReadonlyMap<string, number> } = {},
): CompactInput {
  const starts = spans.map((s) => {
    try {
      return BigInt(s.startNs)
    } catch {
      return 0n
    }
  })
  let base = starts[0] ?? 0n
  for (const s of starts) if (s < base) base = s
  return {
    traceId,
    truncated: options.truncated ?? false,
    startNs: base.toString(),
    spanId: spans.map((s) => s.spanId),
    parentSpanId: spans.map((s) => s.parentSpanId),
    service: spans.map((s) => s.service),
    name: spans.map((s) => s.name),
    kind: spans.map((s) => s.kind),
    statusCode: spans.map((s) => s.statusCode),
    startOffsetNs: starts.map((s) => Number(s - base)),
    durationNs: spans.map((s) =>
      s.durationNs !== undefined ? Number(s.durationNs) : Math.round((s.durationMs ?? 0) * 1e6),
    ),
    logCount: options.logCount ? spans.map((s) => options.logCount?.get(s.spanId) ?? 0) : undefined,
  }
}
