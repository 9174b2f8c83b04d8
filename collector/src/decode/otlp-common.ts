/**
 * The values OTLP traces and logs share: KeyValue attributes and AnyValue
 * (opentelemetry/proto/common/v1/common.proto), in protobuf and in OTLP/JSON, turned into the string
 * values of the exporter's Map columns; and the OTLP/JSON field readers. (The messages around the spans
 * and log records, resource and scope included, are read by otlp-envelope.ts.)
 *
 * Value conventions are pdata's `Value.AsString()` (what the OTel Collector's ClickHouse exporter
 * stores): strings as is, bools 'true'/'false', ints exact decimal, doubles ES6-formatted (which is
 * how pdata formats them), bytes base64, arrays and kvlists as compact JSON of their raw values.
 */
import { skeinError } from '../errors.js'
import type { StrMap } from '../rows.js'
import { badProtobuf, i64ToDecimal, MAX_DEPTH, type ProtoReader, protoMessage } from './protobuf.js'

// opentelemetry/proto/common/v1/common.proto (AnyValue's fields are one oneof there).
const KEY_VALUE = protoMessage('message KeyValue { string key = 1; AnyValue value = 2; }')
const ANY_VALUE = protoMessage(`message AnyValue { string string_value = 1; bool bool_value = 2;
  int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6;
  bytes bytes_value = 7; }`)
const ARRAY_VALUE = protoMessage('message ArrayValue { repeated AnyValue values = 1; }')
const KEY_VALUE_LIST = protoMessage('message KeyValueList { repeated KeyValue values = 1; }')
const AV = ANY_VALUE.tag
const AV_WHAT = ANY_VALUE.what

/** Hex of the all-zero ids: well-formed, and taken by every reader to mean "none". */
export const ZERO_TRACE_ID = '0'.repeat(32)
export const ZERO_SPAN_ID = '0'.repeat(16)

/** The key-value pair being set on a StrMap, avoiding `obj.__proto__ = ...` (which would not set a key). */
export function setAttr(map: StrMap, key: string, value: string): void {
  if (key === '__proto__')
    Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true })
  else map[key] = value
}

/** Service name from a resource's attributes, the exporter's way. */
export function serviceNameOf(attrs: StrMap, fallback: string): string {
  const s = attrs['service.name']
  return typeof s === 'string' && Object.hasOwn(attrs, 'service.name') ? s : fallback
}

// ---------------------------------------------------------------------------------------------
// Protobuf

/**
 * Reads one KeyValue message (ending at `end`) into `map`: the value as pdata's AsString prints it, or
 * (`inJson`, for an entry of a kvlist) as the JSON fragment of its raw value.
 */
export function readKeyValue(r: ProtoReader, end: number, map: StrMap, depth = 0, inJson = false): void {
  let key = ''
  let value = inJson ? 'null' : ''
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === KEY_VALUE.tag.key) key = r.string(end, KEY_VALUE.what.key)
    else if (tag === KEY_VALUE.tag.value) {
      const valueEnd = r.sub(end, KEY_VALUE.what.value)
      value = inJson ? readValue(r, valueEnd, depth, true, 'null') : readAnyValue(r, valueEnd, depth)
    } else r.other(tag, end, KEY_VALUE)
  }
  setAttr(map, key, value)
}

/** Reads an AnyValue message as pdata's AsString would print it. */
export function readAnyValue(r: ProtoReader, end: number, depth: number): string {
  // Most values are a string_value alone: read here, small enough for V8 to inline into the attribute
  // loop, where the general reader is not (measured: 4% of decodeTracesProto's time without this).
  if (r.pos < end && r.buf[r.pos] === AV.string_value) {
    r.pos++
    const s = r.string(end, AV_WHAT.string_value)
    return r.pos === end ? s : readValue(r, end, depth, false, s)
  }
  return readValue(r, end, depth, false, '')
}

/**
 * Reads an AnyValue: as pdata's AsString prints it, or (`inJson`, for a value inside an array or kvlist)
 * as the JSON fragment of its raw value, where strings and bytes are quoted and doubles that JSON cannot
 * hold are null. `out` is what to return when the message sets no value ('' or 'null').
 */
function readValue(r: ProtoReader, end: number, depth: number, inJson: boolean, out: string): string {
  while (r.pos < end) {
    const tag = r.tag(end)
    switch (tag) {
      case AV.string_value: {
        const s = r.string(end, AV_WHAT.string_value)
        out = inJson ? JSON.stringify(s) : s
        break
      }
      case AV.bool_value:
        r.varint64(end)
        out = r.lo !== 0 || r.hi !== 0 ? 'true' : 'false'
        break
      case AV.int_value:
        r.varint64(end)
        out = i64ToDecimal(r.hi, r.lo)
        break
      case AV.double_value: {
        const d = r.double(end)
        out = inJson ? doubleJson(d) : String(d)
        break
      }
      case AV.array_value:
        out = readArrayJson(r, r.sub(end, AV_WHAT.array_value), depth + 1)
        break
      case AV.kvlist_value:
        out = readKvListJson(r, r.sub(end, AV_WHAT.kvlist_value), depth + 1)
        break
      case AV.bytes_value: {
        const start = r.bytes(end, AV_WHAT.bytes_value)
        const b64 = r.base64(start, r.pos)
        out = inJson ? `"${b64}"` : b64
        break
      }
      default:
        r.other(tag, end, ANY_VALUE)
    }
  }
  return out
}

function readArrayJson(r: ProtoReader, end: number, depth: number): string {
  if (depth > MAX_DEPTH) badProtobuf(`AnyValue nested deeper than ${MAX_DEPTH}`)
  let out = '['
  let first = true
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === ARRAY_VALUE.tag.values) {
      const v = readValue(r, r.sub(end, ARRAY_VALUE.what.values), depth, true, 'null')
      out += first ? v : `,${v}`
      first = false
    } else r.other(tag, end, ARRAY_VALUE)
  }
  return `${out}]`
}

function readKvListJson(r: ProtoReader, end: number, depth: number): string {
  if (depth > MAX_DEPTH) badProtobuf(`AnyValue nested deeper than ${MAX_DEPTH}`)
  const entries: StrMap = {}
  while (r.pos < end) {
    const tag = r.tag(end)
    if (tag === KEY_VALUE_LIST.tag.values) {
      readKeyValue(r, r.sub(end, KEY_VALUE_LIST.what.values), entries, depth, true)
    } else r.other(tag, end, KEY_VALUE_LIST)
  }
  return kvListJson(entries)
}

// ---------------------------------------------------------------------------------------------
// Shared formatting

/** A double inside JSON: ES6 formatting; NaN and infinities have no JSON form, so null. */
function doubleJson(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null'
}

/**
 * A kvlist as a JSON object, from its entries as JSON fragments. pdata goes through a Go map and
 * json.Marshal, which keeps the last of duplicate keys (as `entries` did) and sorts keys; we do the same
 * so both collectors store the same text.
 */
function kvListJson(entries: StrMap): string {
  const keys = Object.keys(entries).sort()
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ','
    out += `${JSON.stringify(keys[i])}:${entries[keys[i]]}`
  }
  return `${out}}`
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON

/** Throws BAD_JSON. Decoders prefix the location (e.g. `resourceSpans[0].scopeSpans[1].spans[2]`). */
export function badJson(message: string): never {
  throw skeinError('BAD_JSON', message)
}

/**
 * Re-throws a BAD_JSON error with `where` in front of its message, so the client learns which item
 * was wrong without us building paths on the happy path.
 */
export function withPath(e: unknown, where: string): unknown {
  if (e instanceof Error && (e as { code?: string }).code === 'SKEIN_ERR_BAD_JSON') {
    return skeinError('BAD_JSON', `invalid OTLP/JSON at ${where}: ${e.message}`)
  }
  return e
}

/**
 * A field of an OTLP/JSON object by its lowerCamelCase name, or by its proto (snake_case) name as
 * protobuf JSON parsers also accept. `null` means absent, as in proto3 JSON.
 */
export function field(o: Record<string, unknown>, camel: string, snake: string): unknown {
  const v = o[camel]
  if (v !== undefined && v !== null) return v
  const s = o[snake]
  return s === null ? undefined : s
}

/** The object at `v`, or undefined when absent (undefined or null); anything else is malformed. */
export function objectOrNone(v: unknown, what: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'object' || v === null || Array.isArray(v)) badJson(`${what}: expected an object`)
  return v as Record<string, unknown>
}

/** The array at `v`, or an empty one when absent; anything else is malformed. */
export function arrayOrNone(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return EMPTY
  if (!Array.isArray(v)) badJson(`${what}: expected an array`)
  return v
}
const EMPTY: unknown[] = []

/** A string field ('' when absent). */
export function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string') badJson(`${what}: expected a string`)
  return v
}

const UINT64_MAX = '18446744073709551615'

/**
 * A uint64 (timestamps) as a decimal string: OTLP/JSON sends them as strings of digits, but
 * numbers are accepted too (proto3 JSON allows both). Numbers above 2^53 lost precision when the
 * body was parsed; nothing can bring it back.
 */
export function u64(v: unknown, what: string): string {
  if (v === undefined) return '0'
  if (typeof v === 'string') {
    const n = v.length
    if (n === 0 || n > 20) badJson(`${what}: expected an unsigned 64-bit integer`)
    for (let i = 0; i < n; i++) {
      const c = v.charCodeAt(i)
      if (c < 48 || c > 57) badJson(`${what}: expected an unsigned 64-bit integer`)
    }
    if (n === 20 && v > UINT64_MAX) badJson(`${what}: out of range`)
    // Leading zeros are legal in the input but not in what we store.
    return v.charCodeAt(0) === 48 && n > 1 ? String(BigInt(v)) : v
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 64) {
    return Number.isSafeInteger(v) ? String(v) : BigInt(v).toString()
  }
  return badJson(`${what}: expected an unsigned 64-bit integer`)
}

/**
 * `end - start` of two uint64 decimal strings, in ns (0 when negative). Splits off the last 9
 * digits so both parts are exact doubles; the result is exact below 2^53 ns.
 */
export function durationOfDecimal(start: string, end: string): number {
  let d: number
  if (start.length <= 15 && end.length <= 15) d = Number(end) - Number(start)
  else {
    const sHi = start.length > 9 ? Number(start.slice(0, -9)) : 0
    const sLo = Number(start.length > 9 ? start.slice(-9) : start)
    const eHi = end.length > 9 ? Number(end.slice(0, -9)) : 0
    const eLo = Number(end.length > 9 ? end.slice(-9) : end)
    d = (eHi - sHi) * 1e9 + (eLo - sLo)
  }
  return Math.max(d, 0)
}

/** An enum: its number, or its proto name looked up in `names` (proto3 JSON allows both). */
export function enumValue(v: unknown, names: Record<string, number>, what: string): number {
  if (v === undefined) return 0
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'string') {
    const n = names[v]
    if (n !== undefined && Object.hasOwn(names, v)) return n
  }
  return badJson(`${what}: unknown enum value ${JSON.stringify(v)?.slice(0, 64)}`)
}

/** A uint32 field (flags, dropped counts): number or decimal string. */
export function u32(v: unknown, what: string): number {
  if (v === undefined) return 0
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n
  return badJson(`${what}: expected an unsigned 32-bit integer`)
}

// Hex digits (either case) by char code; -1 for anything else.
const HEX_VAL = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) HEX_VAL[48 + i] = i
for (let i = 0; i < 6; i++) {
  HEX_VAL[97 + i] = 10 + i
  HEX_VAL[65 + i] = 10 + i
}

/** What `jsonId` gives for a string that is not hex: no id is that long. */
const NOT_HEX = '?'

/**
 * An OTLP/JSON id (hex, as OTLP/JSON specifies rather than proto3 JSON's base64) in the form the
 * protobuf reader gives ids: lowercase hex, '' when absent. A string that is not hex gives one that no
 * id's length check passes.
 */
export function jsonId(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128 || HEX_VAL[c] < 0) return NOT_HEX
  }
  return lowerHex(s)
}

/** True for an id (hex) as long as `zero` and not all zeros: a trace or span id that must be there. */
export function isId(id: string, zero: string): boolean {
  return id.length === zero.length && id !== zero
}

/** Lowercase form of a hex id. */
export function lowerHex(s: string): string {
  for (let i = 0; i < s.length; i++)
    if (s.charCodeAt(i) >= 65 && s.charCodeAt(i) <= 70) return s.toLowerCase()
  return s
}

/** Reads an OTLP/JSON `attributes` array into `map`. */
export function jsonAttributes(v: unknown, map: StrMap, what: string): void {
  const list = arrayOrNone(v, what)
  for (let i = 0; i < list.length; i++) {
    const kv = list[i]
    if (typeof kv !== 'object' || kv === null) badJson(`${what}[${i}]: expected an object`)
    const o = kv as Record<string, unknown>
    const key = str(o.key, `${what}[${i}].key`)
    const value =
      o.value === undefined || o.value === null ? '' : jsonAnyValue(o.value, 0, `${what}[${i}].value`)
    setAttr(map, key, value)
  }
}

/** An OTLP/JSON AnyValue as pdata's AsString would print it. */
export function jsonAnyValue(v: unknown, depth: number, what: string): string {
  return jsonValue(v, depth, what, false)
}

/** An OTLP/JSON AnyValue, printed as `readValue` prints its protobuf form. */
function jsonValue(v: unknown, depth: number, what: string, inJson: boolean): string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) badJson(`${what}: expected an AnyValue object`)
  const o = v as Record<string, unknown>
  let x = field(o, 'stringValue', 'string_value')
  if (x !== undefined) return inJson ? JSON.stringify(str(x, what)) : str(x, what)
  x = field(o, 'boolValue', 'bool_value')
  if (x !== undefined) return jsonBool(x, what)
  x = field(o, 'intValue', 'int_value')
  if (x !== undefined) return jsonInt(x, what)
  x = field(o, 'doubleValue', 'double_value')
  if (x !== undefined) return inJson ? doubleJson(jsonDouble(x, what)) : String(jsonDouble(x, what))
  x = field(o, 'arrayValue', 'array_value')
  if (x !== undefined) return jsonArrayJson(x, depth + 1, what)
  x = field(o, 'kvlistValue', 'kvlist_value')
  if (x !== undefined) return jsonKvListJson(x, depth + 1, what)
  x = field(o, 'bytesValue', 'bytes_value')
  if (x !== undefined) return inJson ? `"${jsonBytes(x, what)}"` : jsonBytes(x, what)
  return inJson ? 'null' : ''
}

function jsonBool(x: unknown, what: string): string {
  if (typeof x !== 'boolean') badJson(`${what}.boolValue: expected a boolean`)
  return x ? 'true' : 'false'
}

const INT64_RE = /^-?\d{1,19}$/

function jsonInt(x: unknown, what: string): string {
  if (typeof x === 'string' && INT64_RE.test(x)) {
    // Normalize leading zeros and check the int64 range in one go.
    const b = BigInt(x)
    if (b >= -9223372036854775808n && b <= 9223372036854775807n)
      return x.length > 1 && /^-?0/.test(x) ? String(b) : x
  } else if (typeof x === 'number' && Number.isInteger(x) && x >= -(2 ** 63) && x < 2 ** 63) {
    // String(2 ** 60) is '1152921504606847000' (shortest round-trip digits); BigInt prints the
    // integer the double holds.
    return Number.isSafeInteger(x) ? String(x) : BigInt(x).toString()
  }
  return badJson(`${what}.intValue: expected a 64-bit integer`)
}

function jsonDouble(x: unknown, what: string): number {
  if (typeof x === 'number') return x
  if (typeof x === 'string') {
    // proto3 JSON: "NaN", "Infinity", "-Infinity" or a number in a string.
    const n = x === 'NaN' ? Number.NaN : x.trim() === '' ? Number.NaN : Number(x)
    if (!Number.isNaN(n) || x === 'NaN') return n
  }
  return badJson(`${what}.doubleValue: expected a number`)
}

const BASE64_RE = /^[A-Za-z0-9+/\-_]*={0,2}$/

function jsonBytes(x: unknown, what: string): string {
  if (typeof x !== 'string' || !BASE64_RE.test(x)) badJson(`${what}.bytesValue: expected base64`)
  // Accepts URL-safe and unpadded forms (proto3 JSON does); stores the standard form, like pdata.
  return Buffer.from(x, 'base64').toString('base64')
}

function jsonArrayJson(x: unknown, depth: number, what: string): string {
  if (depth > MAX_DEPTH) badJson(`${what}: AnyValue nested deeper than ${MAX_DEPTH}`)
  const o = objectOrNone(x, `${what}.arrayValue`)
  const values = o === undefined ? EMPTY : arrayOrNone(o.values, `${what}.arrayValue.values`)
  let out = '['
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ','
    out += jsonValue(values[i], depth, `${what}.arrayValue.values[${i}]`, true)
  }
  return `${out}]`
}

function jsonKvListJson(x: unknown, depth: number, what: string): string {
  if (depth > MAX_DEPTH) badJson(`${what}: AnyValue nested deeper than ${MAX_DEPTH}`)
  const o = objectOrNone(x, `${what}.kvlistValue`)
  const values = o === undefined ? EMPTY : arrayOrNone(o.values, `${what}.kvlistValue.values`)
  const entries: StrMap = {}
  for (let i = 0; i < values.length; i++) {
    const kv = objectOrNone(values[i], `${what}.kvlistValue.values[${i}]`)
    if (kv === undefined) continue
    const v = kv.value
    setAttr(
      entries,
      str(kv.key, `${what}.kvlistValue.values[${i}].key`),
      v === undefined || v === null
        ? 'null'
        : jsonValue(v, depth, `${what}.kvlistValue.values[${i}].value`, true),
    )
  }
  return kvListJson(entries)
}
