/**
 * Loki push protobuf (`POST /loki/api/v1/push` with `application/x-protobuf`, as Promtail, Grafana Alloy
 * and the Grafana Agent send it; the body is snappy-compressed, which the receiver undoes) → the same
 * rows as a JSON push. Each stream is read into the JSON push shape and handed to `decodeLokiJson`, so
 * both forms get one set of checks, one mapping and Loki's error wording.
 *
 * logproto (pkg/push/push.proto):
 *   PushRequest   { repeated StreamAdapter streams = 1; }
 *   StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
 *   EntryAdapter  { google.protobuf.Timestamp timestamp = 1; string line = 2;
 *                   repeated LabelPairAdapter structuredMetadata = 3; repeated LabelPairAdapter parsed = 4; }
 *   LabelPairAdapter { string name = 1; string value = 2; }
 *   Timestamp     { int64 seconds = 1; int32 nanos = 2; }
 * `labels` is the Prometheus text form of the stream's labels: `{app="shop", env="prod"}`.
 */
import { clip, skeinError } from '../errors.js'
import type { Decoded, LogRow } from '../rows.js'
import { decodeLokiJson, type LokiOptions } from './loki.js'
import { ProtoReader, WIRE_LEN, WIRE_VARINT, wireTypes } from './protobuf.js'

const REQ_STREAMS = (1 << 3) | WIRE_LEN
const ST_LABELS = (1 << 3) | WIRE_LEN
const ST_ENTRIES = (2 << 3) | WIRE_LEN
const EN_TIMESTAMP = (1 << 3) | WIRE_LEN
const EN_LINE = (2 << 3) | WIRE_LEN
const EN_METADATA = (3 << 3) | WIRE_LEN
const TS_SECONDS = (1 << 3) | WIRE_VARINT
const TS_NANOS = (2 << 3) | WIRE_VARINT
const LP_NAME = (1 << 3) | WIRE_LEN
const LP_VALUE = (2 << 3) | WIRE_LEN

const REQ_FIELDS = wireTypes({ 1: WIRE_LEN })
const ST_FIELDS = wireTypes({ 1: WIRE_LEN, 2: WIRE_LEN, 3: WIRE_VARINT })
const EN_FIELDS = wireTypes({ 1: WIRE_LEN, 2: WIRE_LEN, 3: WIRE_LEN, 4: WIRE_LEN })
const TS_FIELDS = wireTypes({ 1: WIRE_VARINT, 2: WIRE_VARINT })
const LP_FIELDS = wireTypes({ 1: WIRE_LEN, 2: WIRE_LEN })

type Entry = [string, string] | [string, string, Record<string, string>]

/** Decodes an uncompressed Loki PushRequest into `otel_logs` rows (see the module comment). */
export function decodeLokiProto(buf: Uint8Array, opts: LokiOptions): Decoded<LogRow> {
  const r = new ProtoReader(buf)
  const streams: { stream: Record<string, string>; values: Entry[] }[] = []
  // Clients that send a stream per record (as pino-loki does in JSON) repeat the same label text.
  const labelSets = new Map<string, Record<string, string>>()
  const end = r.len
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === REQ_STREAMS) {
      const len = r.length(end, 'PushRequest.streams')
      streams.push(readStream(r, r.pos + len, streams.length, labelSets))
    } else r.other(tag, end, REQ_FIELDS, 'PushRequest')
  }
  return decodeLokiJson({ streams }, opts)
}

function readStream(r: ProtoReader, end: number, i: number, labelSets: Map<string, Record<string, string>>) {
  let labels: string | undefined
  const values: Entry[] = []
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === ST_ENTRIES) {
      const len = r.length(end, 'StreamAdapter.entries')
      values.push(readEntry(r, r.pos + len))
    } else if (tag === ST_LABELS) labels = r.string(end, 'StreamAdapter.labels')
    else r.other(tag, end, ST_FIELDS, 'StreamAdapter')
  }
  if (labels === undefined) throw skeinError('BAD_LOKI', `streams[${i}]: no labels`)
  let stream = labelSets.get(labels)
  if (stream === undefined) {
    stream = parseLabels(labels)
    labelSets.set(labels, stream)
  }
  return { stream, values }
}

function readEntry(r: ProtoReader, end: number): Entry {
  let ts = '0'
  let line = ''
  let meta: Record<string, string> | undefined
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === EN_LINE) line = r.string(end, 'EntryAdapter.line')
    else if (tag === EN_TIMESTAMP) {
      const len = r.length(end, 'EntryAdapter.timestamp')
      ts = readTimestamp(r, r.pos + len)
    } else if (tag === EN_METADATA) {
      const len = r.length(end, 'EntryAdapter.structuredMetadata')
      const [name, value] = readLabelPair(r, r.pos + len)
      meta ??= {}
      meta[name] = value
    } else r.other(tag, end, EN_FIELDS, 'EntryAdapter')
  }
  return meta ? [ts, line, meta] : [ts, line]
}

/** Unix nanoseconds as a decimal string; a negative time gives a string the JSON checks refuse. */
function readTimestamp(r: ProtoReader, end: number): string {
  let sLo = 0
  let sHi = 0
  let nLo = 0
  let nHi = 0
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === TS_SECONDS) {
      r.varint64(end)
      sLo = r.lo >>> 0
      sHi = r.hi >>> 0
    } else if (tag === TS_NANOS) {
      r.varint64(end)
      nLo = r.lo >>> 0
      nHi = r.hi >>> 0
    } else r.other(tag, end, TS_FIELDS, 'Timestamp')
  }
  // The usual case, without BigInt: seconds after 2001 and below 2^53, nanos within a second.
  if (sHi < 0x200000 && nHi === 0 && nLo < 1e9) {
    const seconds = sHi * 4294967296 + sLo
    if (seconds >= 1e9) return `${seconds}${String(nLo).padStart(9, '0')}`
  }
  const seconds = BigInt.asIntN(64, (BigInt(sHi) << 32n) | BigInt(sLo))
  const nanos = BigInt.asIntN(32, BigInt(nLo))
  return String(seconds * 1_000_000_000n + nanos)
}

function readLabelPair(r: ProtoReader, end: number): [string, string] {
  let name = ''
  let value = ''
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === LP_NAME) name = r.string(end, 'LabelPairAdapter.name')
    else if (tag === LP_VALUE) value = r.string(end, 'LabelPairAdapter.value')
    else r.other(tag, end, LP_FIELDS, 'LabelPairAdapter')
  }
  return [name, value]
}

/**
 * The Prometheus text form of a label set, `{name="value", ...}`, into an object. Values are
 * double-quoted with backslash escapes (read as JSON string escapes); names are checked later with the
 * JSON push's rules. Anything else is refused with Loki's wording.
 */
export function parseLabels(text: string): Record<string, string> {
  const bad = (why: string): never => {
    throw skeinError(
      'BAD_LOKI',
      `error parsing labels '${text.length > 1024 ? `${text.slice(0, 1024)}...` : text}' with error: ${why}`,
    )
  }
  const labels: Record<string, string> = {}
  let i = 0
  const n = text.length
  const space = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
  }
  space()
  if (text[i] !== '{') bad('expected "{"')
  i++
  space()
  while (i < n && text[i] !== '}') {
    const start = i
    while (i < n && isNameChar(text.charCodeAt(i))) i++
    const name = text.slice(start, i)
    if (name === '') bad(`expected a label name at offset ${i}`)
    space()
    if (text[i] !== '=') bad(`expected "=" after ${JSON.stringify(clip(name))}`)
    i++
    space()
    if (text[i] !== '"') bad(`expected a quoted value for ${JSON.stringify(clip(name))}`)
    const open = i++
    let escaped = false
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\') {
        escaped = true
        i++
      }
      i++
    }
    if (i >= n) bad(`unterminated value for ${JSON.stringify(clip(name))}`)
    let value: unknown = text.slice(open + 1, i)
    if (escaped) {
      try {
        value = JSON.parse(text.slice(open, i + 1))
      } catch {
        bad(`invalid escape in the value of ${JSON.stringify(clip(name))}`)
      }
    }
    i++
    if (Object.hasOwn(labels, name)) bad(`duplicate label name ${JSON.stringify(clip(name))}`)
    labels[name] = value as string
    space()
    if (text[i] === ',') {
      i++
      space()
    } else if (i >= n) bad('expected "}" at the end')
    else if (text[i] !== '}') bad(`expected "," or "}" at offset ${i}`)
  }
  if (text[i] !== '}') bad('expected "}"')
  i++
  space()
  if (i !== n) bad(`unexpected text after "}" at offset ${i}`)
  return labels
}

/** Letters, digits, `_`, and the `.`/`:` that Prometheus names may carry (Loki's own check refuses those). */
function isNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 58
  )
}
