/**
 * Loki push protobuf (`POST /loki/api/v1/push` with `application/x-protobuf`, as Promtail, Grafana Alloy
 * and the Grafana Agent send it; the body is snappy-compressed, which the receiver undoes) → the same
 * rows as a JSON push. Each stream is read into the JSON push shape and handed to `decodeLokiJson`, so
 * both forms get one set of checks, one mapping and Loki's error wording.
 *
 * The messages of logproto (pkg/push/push.proto) are declared below as the decoder reads them.
 * `labels` is the Prometheus text form of the stream's labels: `{app="shop", env="prod"}`.
 */
import { clip, skeinError } from '../errors.js'
import type { Decoded, LogRow } from '../rows.js'
import { decodeLokiJson, type LokiOptions } from './loki.js'
import { ProtoReader, protoMessage } from './protobuf.js'

const PUSH_REQUEST = protoMessage('message PushRequest { repeated StreamAdapter streams = 1; }')
const STREAM = protoMessage(`message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2;
  uint64 hash = 3; }`)
const ENTRY = protoMessage(`message EntryAdapter { Timestamp timestamp = 1; string line = 2;
  repeated LabelPairAdapter structuredMetadata = 3; repeated LabelPairAdapter parsed = 4; }`)
const TIMESTAMP = protoMessage('message Timestamp { int64 seconds = 1; int32 nanos = 2; }')
const LABEL_PAIR = protoMessage('message LabelPairAdapter { string name = 1; string value = 2; }')

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
    if (tag === PUSH_REQUEST.tag.streams) {
      streams.push(readStream(r, r.sub(end, PUSH_REQUEST.what.streams), streams.length, labelSets))
    } else r.other(tag, end, PUSH_REQUEST)
  }
  return decodeLokiJson({ streams }, opts)
}

function readStream(r: ProtoReader, end: number, i: number, labelSets: Map<string, Record<string, string>>) {
  let labels: string | undefined
  const values: Entry[] = []
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === STREAM.tag.entries) values.push(readEntry(r, r.sub(end, STREAM.what.entries)))
    else if (tag === STREAM.tag.labels) labels = r.string(end, STREAM.what.labels)
    else r.other(tag, end, STREAM)
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
    if (tag === ENTRY.tag.line) line = r.string(end, ENTRY.what.line)
    else if (tag === ENTRY.tag.timestamp) ts = readTimestamp(r, r.sub(end, ENTRY.what.timestamp))
    else if (tag === ENTRY.tag.structuredMetadata) {
      const [name, value] = readLabelPair(r, r.sub(end, ENTRY.what.structuredMetadata))
      meta ??= {}
      meta[name] = value
    } else r.other(tag, end, ENTRY)
  }
  return meta ? [ts, line, meta] : [ts, line]
}

/** Unix nanoseconds as a decimal string; a negative time gives a string the JSON checks refuse. */
function readTimestamp(r: ProtoReader, end: number): string {
  let sLo = 0
  let sHi = 0
  // An int32 is read as its low 32 bits (a negative one comes sign-extended to 10 bytes).
  let nanos = 0
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === TIMESTAMP.tag.nanos) nanos = r.varint32(end)
    else if (tag === TIMESTAMP.tag.seconds) {
      r.varint64(end)
      sLo = r.lo
      sHi = r.hi
    } else r.other(tag, end, TIMESTAMP)
  }
  // The usual case, without BigInt: seconds after 2001 and below 2^53, nanos within a second.
  if (sHi < 0x200000 && nanos < 1e9) {
    const seconds = sHi * 4294967296 + sLo
    if (seconds >= 1e9) return `${seconds}${String(nanos).padStart(9, '0')}`
  }
  const seconds = BigInt.asIntN(64, (BigInt(sHi) << 32n) | BigInt(sLo))
  return String(seconds * 1_000_000_000n + BigInt.asIntN(32, BigInt(nanos)))
}

function readLabelPair(r: ProtoReader, end: number): [string, string] {
  let name = ''
  let value = ''
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === LABEL_PAIR.tag.name) name = r.string(end, LABEL_PAIR.what.name)
    else if (tag === LABEL_PAIR.tag.value) value = r.string(end, LABEL_PAIR.what.value)
    else r.other(tag, end, LABEL_PAIR)
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
