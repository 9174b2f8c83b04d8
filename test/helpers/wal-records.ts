/**
 * Logs, rows and records for tests of the write-ahead log (collector/src/pipeline/wal.ts): a span log,
 * span rows with their own trace ids, and an encoding that writes a record storage refuses.
 */
import { Wal, type WalOptions } from '../../collector/src/pipeline/wal.js'
import { newSpanRow, S, SPAN_COLUMNS, type SpanRow } from '../../collector/src/rows.js'
import { type RowBinaryTable, rowBinaryFor } from '../../collector/src/storage/rowbinary.js'

/**
 * A span log on `dir` with bounds no test reaches unless it sets them (`over`); what it logs goes to
 * `lines`.
 */
export function spanWal(dir: string, over: Partial<WalOptions> = {}, lines: string[] = []): Wal<SpanRow> {
  return new Wal<SpanRow>({
    dir,
    signal: 'spans',
    encoding: rowBinaryFor(SPAN_COLUMNS) as RowBinaryTable,
    maxBytes: () => 1 << 30,
    segmentRows: 1000,
    segmentBytes: 1 << 30,
    sealAfterMs: 60_000,
    maxPendingRows: 100_000,
    maxPendingBytes: 1 << 30,
    log: (level, msg) => lines.push(`${level} ${msg}`),
    ...over,
  })
}

/** `n` spans of `service`, numbered from `from`: each with a trace and span id of its own, timed now. */
export function spanRows(from: number, n: number, service: string): SpanRow[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k
    const row = newSpanRow()
    row[S.Timestamp] = `${BigInt(Date.now()) * 1_000_000n + BigInt(i)}`
    row[S.TraceId] = (i + 1).toString(16).padStart(32, '0')
    row[S.SpanId] = (i + 1).toString(16).padStart(16, '0')
    row[S.SpanName] = `op ${i % 7}`
    row[S.ServiceName] = service
    return row
  })
}

/** The bytes of the refused row: a timestamp, then a trace id said to be 2^40 bytes long. */
export const REFUSED_BYTES = Buffer.concat([
  (() => {
    const ts = Buffer.alloc(8)
    ts.writeBigInt64LE(BigInt(Date.now()) * 1_000_000n)
    return ts
  })(),
  Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x20]),
])

/**
 * Writes one row storage refuses as bad data, whatever comes after it: its second column's length is
 * over the engine's bound for a string (TOO_LARGE_STRING_SIZE), so the engine stops there, and reads no
 * byte of the next row into it (a row of random bytes could take the next row's bytes as its own and be
 * stored, a good row with it). A record made with it is valid (its checksum holds): what a bug could write.
 */
export const REFUSED_ROW = {
  encodeAfter: (_rows, reserve, ends) => {
    ends[0] = reserve + REFUSED_BYTES.length
    return Buffer.concat([Buffer.alloc(reserve), REFUSED_BYTES])
  },
} as RowBinaryTable
