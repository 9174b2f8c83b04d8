/**
 * RowBinary encoding of span and log rows: the embedded engine's insert format. Binary values need no
 * parsing (measured with `bench/ingest.ts`: the engine inserts the same rows faster than from
 * JSONCompactEachRow, and encoding costs less JS time than `JSON.stringify`).
 *
 * RowBinary has no header and no types, so every column must be written as exactly the table's type: the
 * order and the types come from the tables' declarations in rows.ts (held to DESCRIBE of our DDL by a
 * test), and the writer hands the same structure to the engine (`file(path, 'RowBinary', structure)`).
 *
 * Wire rules: String = LEB128 byte length + UTF-8 bytes (LowCardinality(String) the same);
 * DateTime64(9) = Int64 LE nanoseconds; UInt64 = 8 bytes LE; UInt8 = 1 byte; Array(T) and
 * Map(K, V) = LEB128 count + elements (a map's as key, value pairs).
 */
import {
  type Columns,
  LOG_COLUMNS,
  LOG_TABLE,
  type LogRow,
  SPAN_COLUMNS,
  SPAN_TABLE,
  type SpanRow,
  type StrMap,
} from '../rows.js'

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
  nss(a: string[]): void {
    this.varint(a.length)
    for (const t of a) this.ns(t)
  }
  maps(a: StrMap[]): void {
    this.varint(a.length)
    for (const m of a) this.map(m)
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}

/**
 * How a column is written: one writer per ClickHouse type our tables use, picked once per column from the
 * table's declaration (rows.ts), so the encoder writes the declaration's columns in its order. Short
 * literal strings, so the encoder's switch compares them by identity.
 */
type Writer = 'ns' | 'str' | 'u8' | 'u64' | 'map' | 'ns[]' | 'str[]' | 'map[]'

const LC = 'LowCardinality(String)'
const MAP = 'Map(LowCardinality(String), String)'

function writerOf(type: string): Writer {
  switch (type) {
    case 'DateTime64(9)':
      return 'ns'
    case 'String':
    case LC:
      return 'str'
    case 'UInt8':
      return 'u8'
    case 'UInt64':
      return 'u64'
    case MAP:
      return 'map'
    case 'Array(DateTime64(9))':
      return 'ns[]'
    case 'Array(String)':
    case `Array(${LC})`:
      return 'str[]'
    case `Array(${MAP})`:
      return 'map[]'
  }
  throw new Error(`no RowBinary writer for the column type ${type}`)
}

/**
 * Encodes rows whose column `c` is written by `writers[c]`: one loop for every table, as fast as the
 * straight-line encoder per table it replaced (A/B in one process, 10k rows of bench/decode.ts's spans
 * and of OTLP log records, CPU time, median of 41 interleaved rounds: 0.98–1.02).
 */
function encode(
  writers: readonly Writer[],
  rows: readonly (readonly unknown[])[],
  bytesPerRow: number,
  reserve = 0,
  ends?: Uint32Array,
): Buffer {
  const o = new Out(Math.max(4096, reserve + rows.length * bytesPerRow))
  o.pos = reserve
  const n = writers.length
  for (let i = 0; i < rows.length; i++) {
    if (ends && i > 0) ends[i - 1] = o.pos
    const row = rows[i]
    for (let c = 0; c < n; c++) {
      const v = row[c]
      switch (writers[c]) {
        case 'str':
          o.str(v as string)
          break
        case 'map':
          o.map(v as StrMap)
          break
        case 'ns':
          o.ns(v as string)
          break
        case 'u8':
          o.u8(v as number)
          break
        case 'u64':
          o.u64(v as number)
          break
        case 'str[]':
          o.strs(v as string[])
          break
        case 'map[]':
          o.maps(v as StrMap[])
          break
        case 'ns[]':
          o.nss(v as string[])
          break
      }
    }
  }
  if (ends && rows.length > 0) ends[rows.length - 1] = o.pos
  return o.done()
}

/** A table's RowBinary encoding, derived from its declaration in rows.ts. */
export interface RowBinaryTable {
  /** ClickHouse types of the insert columns, in order: what the encoder writes. */
  types: readonly string[]
  /**
   * `name Type, …` for `file(…, 'RowBinary', structure)`: the types as read (fileType), which the insert
   * converts to the table's.
   */
  structure: string
  encode(rows: readonly (readonly unknown[])[]): Buffer
  /**
   * Encodes rows after `reserve` bytes left for the caller (a log record's header) and writes where each
   * row ends (a position in the returned buffer) into `ends`, which holds one entry a row.
   */
  encodeAfter(rows: readonly (readonly unknown[])[], reserve: number, ends: Uint32Array): Buffer
  /** The header that makes RowBinary rows `RowBinaryWithNamesAndTypes`: column count, names, types. */
  namesAndTypes: Buffer
}

function namesAndTypes(table: Columns): Buffer {
  const o = new Out(1024)
  o.varint(table.length)
  for (const [name] of table) o.str(name)
  for (const [, type] of table) o.str(type)
  return Buffer.from(o.done())
}

/**
 * The type the engine reads a column's RowBinary as: LowCardinality(String) as String (the same bytes on
 * the wire), anywhere in the type (map keys too). The engine reads a LowCardinality column of RowBinary
 * value by value into its dictionary, and converts a String column to it a block at once: an insert of
 * 100k spans of the bench payloads (505 bytes each) into the span table with its views, alternated in one
 * process, merges stopped, median of 11: 823 ms read as declared, 431 ms read as String (the file alone
 * into a Null table: 471 against 116 ms). Same rows stored (count, services, attribute keys checked).
 */
export const fileType = (type: string): string => type.replaceAll('LowCardinality(String)', 'String')

function rowBinary(table: Columns, bytesPerRow: number): RowBinaryTable {
  const writers = table.map(([, type]) => writerOf(type))
  return {
    types: table.map(([, type]) => type),
    structure: table.map(([name, type]) => `\`${name}\` ${fileType(type)}`).join(', '),
    encode: (rows) => encode(writers, rows, bytesPerRow),
    encodeAfter: (rows, reserve, ends) => encode(writers, rows, bytesPerRow, reserve, ends),
    namesAndTypes: namesAndTypes(table),
  }
}

const SPANS = rowBinary(SPAN_TABLE, 768)
const LOGS = rowBinary(LOG_TABLE, 512)

export const encodeSpans: (rows: readonly SpanRow[]) => Buffer = SPANS.encode
export const encodeLogs: (rows: readonly LogRow[]) => Buffer = LOGS.encode

/** Types of the inserted span columns, in SPAN_COLUMNS order: the encoder above writes these. */
export const SPAN_TYPES: readonly string[] = SPANS.types
/** Types of the inserted log columns, in LOG_COLUMNS order. */
export const LOG_TYPES: readonly string[] = LOGS.types

const TABLES = new Map<string, RowBinaryTable>([
  [SPAN_COLUMNS.join(), SPANS],
  [LOG_COLUMNS.join(), LOGS],
])

/** The RowBinary encoder for rows of these columns, if they are one of our tables' insert columns. */
export function rowBinaryFor(columns: readonly string[]): RowBinaryTable | undefined {
  return TABLES.get(columns.join())
}
