/**
 * RowBinary encoding of span and log rows: the embedded engine's insert format. Binary values need no
 * parsing (measured with `bench/ingest.ts`: the engine inserts the same rows faster than from
 * JSONCompactEachRow, and encoding costs less JS time than `JSON.stringify`).
 *
 * RowBinary has no header and no types, so every column's type here must be exactly the table's: the
 * STRUCTURE strings below are checked against DESCRIBE of our DDL by a test, and the writer hands the
 * structure to the engine (`file(path, 'RowBinary', structure)`), which casts to the table's columns.
 *
 * Wire rules: String = LEB128 byte length + UTF-8 bytes (LowCardinality(String) the same);
 * DateTime64(9) = Int64 LE nanoseconds; UInt64 = 8 bytes LE; UInt8 = 1 byte; Array(T) and
 * Map(K, V) = LEB128 count + elements (a map's as key, value pairs).
 */
import { LOG_COLUMNS, type LogRow, SPAN_COLUMNS, type SpanRow, type StrMap } from '../rows.js'

/** A growable output buffer with the few writes RowBinary needs. */
class Out {
  buf: Buffer
  pos = 0
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size)
  }
  private grow(n: number): void {
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }
  varint(n: number): void {
    if (this.pos + 10 > this.buf.length) this.grow(10)
    while (n > 0x7f) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    this.buf[this.pos++] = n
  }
  str(s: string): void {
    // At most 3 UTF-8 bytes per UTF-16 unit, plus the length prefix.
    const max = s.length * 3
    if (this.pos + max + 5 > this.buf.length) this.grow(max + 5)
    if (max >= 128) {
      this.varint(Buffer.byteLength(s))
      this.pos += this.buf.write(s, this.pos, 'utf8')
      return
    }
    // Short strings (most ids, names, attribute keys and values): the length fits one byte whatever the
    // text, and encoding in JS beats a call into the native encoder (measured: the call's overhead was a
    // seventh of the collector's CPU profile under load).
    const buf = this.buf
    const start = this.pos + 1
    let at = start
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i)
      if (c < 0x80) {
        buf[at++] = c
      } else if (c < 0x800) {
        buf[at++] = 0xc0 | (c >> 6)
        buf[at++] = 0x80 | (c & 0x3f)
      } else {
        if (c >= 0xd800 && c < 0xe000) {
          const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0
          if (c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
            i++
            buf[at++] = 0xf0 | (c >> 18)
            buf[at++] = 0x80 | ((c >> 12) & 0x3f)
            buf[at++] = 0x80 | ((c >> 6) & 0x3f)
            buf[at++] = 0x80 | (c & 0x3f)
            continue
          }
          c = 0xfffd // a lone surrogate, as Buffer.write encodes it
        }
        buf[at++] = 0xe0 | (c >> 12)
        buf[at++] = 0x80 | ((c >> 6) & 0x3f)
        buf[at++] = 0x80 | (c & 0x3f)
      }
    }
    buf[this.pos] = at - start
    this.pos = at
  }
  u8(n: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1)
    this.buf[this.pos++] = n & 0xff
  }
  /** A non-negative integer below 2^53 as UInt64. */
  u64(n: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.buf.writeUInt32LE(n >>> 0, this.pos)
    this.buf.writeUInt32LE(Math.floor(n / 4294967296) >>> 0, this.pos + 4)
    this.pos += 8
  }
  /** Unix nanoseconds given as a decimal string (rows keep them as strings: they exceed 2^53). */
  ns(decimal: string): void {
    if (this.pos + 8 > this.buf.length) this.grow(8)
    this.buf.writeBigInt64LE(BigInt(decimal), this.pos)
    this.pos += 8
  }
  map(m: StrMap): void {
    const keys = Object.keys(m)
    this.varint(keys.length)
    for (const k of keys) {
      this.str(k)
      this.str(m[k])
    }
  }
  strs(a: string[]): void {
    this.varint(a.length)
    for (const s of a) this.str(s)
  }
  maps(a: StrMap[]): void {
    this.varint(a.length)
    for (const m of a) this.map(m)
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}

export function encodeSpans(rows: readonly SpanRow[]): Buffer {
  const o = new Out(Math.max(4096, rows.length * 768))
  for (const r of rows) {
    o.ns(r[0])
    o.str(r[1])
    o.str(r[2])
    o.str(r[3])
    o.str(r[4])
    o.str(r[5])
    o.str(r[6])
    o.str(r[7])
    o.map(r[8])
    o.str(r[9])
    o.str(r[10])
    o.map(r[11])
    o.u64(r[12])
    o.str(r[13])
    o.str(r[14])
    o.varint(r[15].length)
    for (const t of r[15]) o.ns(t)
    o.strs(r[16])
    o.maps(r[17])
    o.strs(r[18])
    o.strs(r[19])
    o.strs(r[20])
    o.maps(r[21])
  }
  return o.done()
}

export function encodeLogs(rows: readonly LogRow[]): Buffer {
  const o = new Out(Math.max(4096, rows.length * 512))
  for (const r of rows) {
    o.ns(r[0])
    o.str(r[1])
    o.str(r[2])
    o.u8(r[3])
    o.str(r[4])
    o.u8(r[5])
    o.str(r[6])
    o.str(r[7])
    o.str(r[8])
    o.map(r[9])
    o.str(r[10])
    o.str(r[11])
    o.str(r[12])
    o.map(r[13])
    o.map(r[14])
  }
  return o.done()
}

const MAP = 'Map(LowCardinality(String), String)'
const LC = 'LowCardinality(String)'

/** Types of the inserted span columns, in SPAN_COLUMNS order: the encoder above writes these. */
export const SPAN_TYPES: readonly string[] = [
  'DateTime64(9)',
  'String',
  'String',
  'String',
  'String',
  LC,
  LC,
  LC,
  MAP,
  'String',
  'String',
  MAP,
  'UInt64',
  LC,
  'String',
  'Array(DateTime64(9))',
  `Array(${LC})`,
  `Array(${MAP})`,
  'Array(String)',
  'Array(String)',
  'Array(String)',
  `Array(${MAP})`,
]

/** Types of the inserted log columns, in LOG_COLUMNS order. */
export const LOG_TYPES: readonly string[] = [
  'DateTime64(9)',
  'String',
  'String',
  'UInt8',
  LC,
  'UInt8',
  LC,
  'String',
  LC,
  MAP,
  LC,
  'String',
  LC,
  MAP,
  MAP,
]

export interface RowBinaryTable {
  /** `name Type, …` for `file(…, 'RowBinary', structure)`. */
  structure: string
  encode(rows: readonly unknown[][]): Buffer
}

const structure = (columns: readonly string[], types: readonly string[]) =>
  columns.map((c, i) => `\`${c}\` ${types[i]}`).join(', ')

const TABLES = new Map<string, RowBinaryTable>([
  [
    SPAN_COLUMNS.join(),
    {
      structure: structure(SPAN_COLUMNS, SPAN_TYPES),
      encode: (rows) => encodeSpans(rows as SpanRow[]),
    },
  ],
  [
    LOG_COLUMNS.join(),
    { structure: structure(LOG_COLUMNS, LOG_TYPES), encode: (rows) => encodeLogs(rows as LogRow[]) },
  ],
])

/** The RowBinary encoder for rows of these columns, if they are one of our tables' insert columns. */
export function rowBinaryFor(columns: readonly string[]): RowBinaryTable | undefined {
  return TABLES.get(columns.join())
}
