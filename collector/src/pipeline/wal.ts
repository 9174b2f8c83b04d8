/**
 * The write-ahead log of one table: what ingest acknowledges. A request's rows are encoded as one record
 * (RowBinary, the engine's insert format, with a checksum), appended to the table's open segment and
 * fsynced; only then is the request answered, so a 2xx means durable, not yet inserted. Group commit:
 * while one write + fdatasync runs, the records of every request arriving meanwhile gather, and the next
 * write takes them all with one fsync. The insert stage (loader.ts) moves sealed segments into storage
 * in large inserts and removes each once it is stored.
 *
 * A segment is sealed at `segmentRows` rows or `segmentBytes` bytes, or once it is `sealAfterMs` old and
 * the insert stage is free to take it: idle, data reaches storage within about that delay; under load a
 * segment grows while the previous one is inserted, so inserts grow with the load, not with what clients
 * have in flight.
 *
 * Segment file `<dir>/<seq>-<time>.wal`: records, each
 *   magic u32 "SKL1" | body length u32 | rows u32 | CRC32 of (length, rows, body) u32 | body
 * all little-endian; the body is the rows' end offsets (u32 each, from the start of the rows) and then
 * the rows in RowBinary. The offsets let the insert stage split a segment down to single rows when
 * storage refuses some as bad data. On start-up every segment left is replayed: a record cut short by a
 * crash (a torn tail: nothing valid after it) is cut off the file, never inserted; a record that fails
 * its checksum with valid records after it (a corrupted middle) is skipped and reported by the loader.
 *
 * Bounds, all answered 503 + Retry-After (gRPC UNAVAILABLE) with a message naming the bound: the log's
 * bytes on disk (`--wal-max-bytes`, shared by the tables), the records waiting for their fsync in memory
 * (`--max-queue-rows` / `--max-queue-bytes`), the process's memory, and a write or fsync that fails (disk
 * full): its requests are refused, the segment is cut back to what was fsynced, never acknowledged.
 */
import {
  closeSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  write,
  writev,
} from 'node:fs'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { skeinError } from '../errors.js'
import type { LogFn } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { RowBinaryTable } from '../storage/rowbinary.js'

export const RECORD_HEADER = 16
const MAGIC = 0x314c4b53
const MAGIC_BYTES = Buffer.from([0x53, 0x4b, 0x4c, 0x31])

/** Encodes one request's rows as a log record. */
export function encodeRecord(encoding: RowBinaryTable, rows: readonly (readonly unknown[])[]): Buffer {
  const n = rows.length
  const reserve = RECORD_HEADER + 4 * n
  const ends = new Uint32Array(n)
  const buf = encoding.encodeAfter(rows, reserve, ends)
  buf.writeUInt32LE(MAGIC, 0)
  buf.writeUInt32LE(buf.length - RECORD_HEADER, 4)
  buf.writeUInt32LE(n, 8)
  for (let i = 0; i < n; i++) buf.writeUInt32LE(ends[i] - reserve, RECORD_HEADER + 4 * i)
  buf.writeUInt32LE(checksum(buf, 0, buf.length), 12)
  return buf
}

function checksum(buf: Buffer, at: number, end: number): number {
  return crc32(buf.subarray(at + RECORD_HEADER, end), crc32(buf.subarray(at + 4, at + 12)))
}

/** One record read back: its rows' RowBinary and where each row ends in it. */
export interface WalRecord {
  rows: number
  /** ends[i]: the end of row i in `payload`. */
  ends: Uint32Array
  payload: Buffer
}

export interface SegmentScan {
  records: WalRecord[]
  /** Bytes of the valid prefix; what follows is a torn tail, to be cut. */
  end: number
  /** Corrupted stretches with valid records after them: skipped. */
  skipped: { at: number; bytes: number }[]
}

/** The size of the valid record at `at`, or 0. */
function recordAt(buf: Buffer, at: number, verify = true): number {
  if (at + RECORD_HEADER > buf.length || buf.readUInt32LE(at) !== MAGIC) return 0
  const length = buf.readUInt32LE(at + 4)
  const rows = buf.readUInt32LE(at + 8)
  const end = at + RECORD_HEADER + length
  if (end > buf.length || rows * 4 > length) return 0
  return !verify || checksum(buf, at, end) === buf.readUInt32LE(at + 12) ? RECORD_HEADER + length : 0
}

/**
 * Reads a segment's records: valid ones kept, corrupted ones in the middle skipped, a torn tail marked.
 * `verify` false skips the checksums (a segment this process wrote and fsynced: the scan then only
 * finds the records, and costs nothing on the event loop in proportion to the segment's bytes).
 */
export function scanSegment(buf: Buffer, verify = true): SegmentScan {
  const records: WalRecord[] = []
  const skipped: { at: number; bytes: number }[] = []
  let at = 0
  let end = 0
  while (at < buf.length) {
    const size = recordAt(buf, at, verify)
    if (size > 0) {
      const rows = buf.readUInt32LE(at + 8)
      const ends = new Uint32Array(rows)
      for (let i = 0; i < rows; i++) ends[i] = buf.readUInt32LE(at + RECORD_HEADER + 4 * i)
      records.push({ rows, ends, payload: buf.subarray(at + RECORD_HEADER + 4 * rows, at + size) })
      at += size
      end = at
      continue
    }
    let next = buf.indexOf(MAGIC_BYTES, at + 1)
    while (next !== -1 && recordAt(buf, next) === 0) next = buf.indexOf(MAGIC_BYTES, next + 1)
    if (next === -1) break
    skipped.push({ at, bytes: next - at })
    at = next
  }
  return { records, end, skipped }
}

export interface Segment {
  /** File name without `.wal`: unique across restarts, so it also names the segment's inserts. */
  readonly id: string
  readonly path: string
  /** Bytes fsynced (the file may be longer only by a write that failed and could not be cut). */
  bytes: number
  rows: number
  /** When its first record was written (ms since the epoch). */
  firstAt: number
  /** Left by a previous run: its records are checked against their checksums when read. */
  recovered?: boolean
}

interface Open extends Segment {
  fd: number
}

interface Waiter {
  resolve: () => void
  reject: (e: unknown) => void
}

interface Pending {
  bufs: Buffer[]
  bytes: number
  rows: number
  waiters: Waiter[]
}

const empty = (): Pending => ({ bufs: [], bytes: 0, rows: 0, waiters: [] })

export interface WalOptions {
  /** This table's directory. */
  dir: string
  /** 'spans' | 'logs', for metrics and messages. */
  signal: string
  encoding: RowBinaryTable
  /** Bytes this table's log may hold on disk, waiting records included; past it, 503. */
  maxBytes: () => number
  segmentRows: number
  segmentBytes: number
  sealAfterMs: number
  /** Records waiting for their write and fsync, held in memory. */
  maxPendingRows: number
  maxPendingBytes: number
  memoryPressure?: () => boolean
  metrics?: Metrics
  log: LogFn
}

const MiB = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`

export class Wal<R extends unknown[]> {
  private readonly o: WalOptions
  /** Sealed segments waiting for the insert stage, oldest first. */
  private readonly sealed: Segment[] = []
  /** Sealed segments the insert stage holds. */
  private readonly loading = new Set<Segment>()
  private current: Open | undefined
  private pending: Pending = empty()
  private writing: Promise<void> = Promise.resolve()
  private looping = false
  private sealWanted = false
  /** A write or fsync into the open segment runs now. */
  private inWrite = false
  private timer: NodeJS.Timeout | undefined
  private seq = 0
  private disk = 0
  private stopping = false
  private fsyncs = 0
  /** Called when a segment is ready for the insert stage (sealed, or due to be sealed). */
  onReady: () => void = () => undefined

  constructor(options: WalOptions) {
    this.o = options
    mkdirSync(options.dir, { recursive: true })
    this.recover()
  }

  /** The segments a previous run left, each cut after its last valid record; all sealed. */
  private recover(): void {
    const names = readdirSync(this.o.dir)
      .filter((f) => f.endsWith('.wal'))
      .sort()
    for (const name of names) {
      const path = join(this.o.dir, name)
      this.seq = Math.max(this.seq, Number.parseInt(name, 10) + 1)
      const buf = readFileSync(path)
      const scan = scanSegment(buf)
      if (scan.end < buf.length) {
        const fd = openSync(path, 'r+')
        try {
          ftruncateSync(fd, scan.end)
          fsyncSync(fd)
        } finally {
          closeSync(fd)
        }
        this.o.metrics?.walTornTail(this.o.signal)
        this.o.log(
          'warn',
          `write-ahead log: cut a torn tail of ${buf.length - scan.end} bytes off ${path} (a write the crash interrupted; never acknowledged)`,
        )
      }
      const rows = scan.records.reduce((n, r) => n + r.rows, 0)
      if (rows === 0) {
        unlinkSync(path)
        continue
      }
      this.sealed.push({
        id: name.slice(0, -4),
        path,
        bytes: scan.end,
        rows,
        firstAt: statSync(path).mtimeMs,
        recovered: true,
      })
      this.disk += scan.end
    }
    if (this.sealed.length > 0) {
      this.o.log(
        'warn',
        `write-ahead log: ${this.sealed.length} ${this.o.signal} segments (${MiB(this.disk)}) left by a previous run; replaying`,
      )
    }
  }

  /** Segments left by the previous run, at start-up (before any append). */
  get recovered(): readonly Segment[] {
    return [...this.sealed]
  }

  /** Bytes on disk and waiting for their write. */
  get bytes(): number {
    return this.disk + this.pending.bytes
  }

  /** Writes + fsyncs done: each acknowledged every request that arrived while the one before ran. */
  get syncs(): number {
    return this.fsyncs
  }

  /** Rows and bytes held in memory now (records waiting for their write and fsync). */
  get depth(): { rows: number; bytes: number } {
    return { rows: this.pending.rows, bytes: this.pending.bytes }
  }

  /** Milliseconds since the oldest record not yet stored was written, or 0. */
  oldestAgeMs(now = Date.now()): number {
    let oldest = Number.POSITIVE_INFINITY
    for (const s of this.sealed) oldest = Math.min(oldest, s.firstAt)
    for (const s of this.loading) oldest = Math.min(oldest, s.firstAt)
    if (this.current && this.current.rows > 0) oldest = Math.min(oldest, this.current.firstAt)
    return oldest === Number.POSITIVE_INFINITY ? 0 : Math.max(0, now - oldest)
  }

  /**
   * Appends the rows of one request; resolves once they are fsynced, rejects with a retryable error
   * (503) when refused: over a bound, shutting down, or the write failed.
   */
  consume(rows: R[], _bytes?: number): Promise<void> {
    if (rows.length === 0) return Promise.resolve()
    if (this.stopping)
      return Promise.reject(skeinError('SHUTTING_DOWN', 'the collector is shutting down; retry'))
    const why = this.o.memoryPressure?.()
      ? 'the collector is over its memory bound (85% of --memory-limit)'
      : this.pending.rows > 0 &&
          (this.pending.rows + rows.length > this.o.maxPendingRows ||
            this.pending.bytes > this.o.maxPendingBytes)
        ? `too many ${this.o.signal} waiting to be written (${this.pending.rows} rows held)`
        : this.bytes > this.o.maxBytes()
          ? `the write-ahead log holds ${MiB(this.bytes)}, the most --wal-max-bytes allows for ${this.o.signal} (storage is down or not keeping up)`
          : undefined
    if (why !== undefined) {
      this.o.metrics?.refused(this.o.signal, rows.length)
      return Promise.reject(skeinError('BACKPRESSURE', `${why}; retry later`))
    }
    const record = encodeRecord(this.o.encoding, rows)
    const p = this.pending
    p.bufs.push(record)
    p.bytes += record.length
    p.rows += rows.length
    const done = new Promise<void>((resolve, reject) => p.waiters.push({ resolve, reject }))
    if (!this.looping) this.writing = this.write()
    return done
  }

  /** Writes and fsyncs what is pending, batch after batch, until nothing is (group commit). */
  private async write(): Promise<void> {
    // Set and cleared without an await in between with the check of `pending`: a request that arrives
    // after the last batch was taken starts a new loop.
    this.looping = true
    while (this.pending.rows > 0) {
      const batch = this.pending
      this.pending = empty()
      let seg = this.current
      this.inWrite = true
      try {
        seg ??= this.open()
        await writeAll(seg.fd, batch.bufs, seg.bytes, batch.bytes)
        await new Promise<void>((resolve, reject) =>
          fdatasync((seg as Open).fd, (e) => (e ? reject(e) : resolve())),
        )
      } catch (e) {
        this.inWrite = false
        this.failed(seg, batch, e)
        continue
      }
      this.inWrite = false
      this.fsyncs++
      if (seg.rows === 0) {
        seg.firstAt = Date.now()
        this.sealIn(this.o.sealAfterMs)
      }
      seg.bytes += batch.bytes
      seg.rows += batch.rows
      this.disk += batch.bytes
      for (const w of batch.waiters) w.resolve()
      if (seg.rows >= this.o.segmentRows || seg.bytes >= this.o.segmentBytes) this.sealWanted = true
      if (this.sealWanted) this.seal()
    }
    this.looping = false
    if (this.sealWanted) this.seal()
  }

  /** A write or fsync failed: refuse its requests and cut the segment back to what was fsynced. */
  private failed(seg: Open | undefined, batch: Pending, e: unknown): void {
    const code = (e as NodeJS.ErrnoException).code
    this.o.metrics?.walWriteError(this.o.signal, batch.rows)
    if (seg) {
      try {
        ftruncateSync(seg.fd, seg.bytes)
      } catch {
        // Cannot cut it: leave this segment (its length is kept in memory) and write on in a new one.
        this.sealWanted = true
      }
    }
    if (this.sealWanted) this.seal()
    const why =
      code === 'ENOSPC'
        ? `the write-ahead log's disk is full (${this.o.dir})`
        : `the write-ahead log could not be written (${code ?? (e as Error).message})`
    this.o.log('warn', `${why}; ${batch.rows} ${this.o.signal} refused with 503`)
    const error = skeinError('STORAGE_UNAVAILABLE', `${why}; retry later`, e)
    for (const w of batch.waiters) w.reject(error)
  }

  private open(): Open {
    const id = `${String(this.seq++).padStart(10, '0')}-${Date.now().toString(36)}`
    const path = join(this.o.dir, `${id}.wal`)
    const fd = openSync(path, 'wx')
    // The new file's name must survive a crash too, before anything in it is acknowledged.
    const dir = openSync(this.o.dir, 'r')
    try {
      fsyncSync(dir)
    } finally {
      closeSync(dir)
    }
    this.current = { id, path, fd, bytes: 0, rows: 0, firstAt: Date.now() }
    return this.current
  }

  /** Tells the insert stage in `ms` that the open segment is due (it seals it when it takes it). */
  private sealIn(ms: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.onReady()
    }, ms)
    this.timer.unref?.()
  }

  /** Seals the open segment now, or after the write that runs. */
  private seal(): void {
    this.sealWanted = true
    const seg = this.current
    if (!seg) {
      this.sealWanted = false
      return
    }
    if (this.inWrite) return
    this.sealWanted = false
    this.current = undefined
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    try {
      closeSync(seg.fd)
    } catch {}
    const { fd: _, ...sealed } = seg
    if (sealed.rows === 0) {
      rmQuiet(sealed.path)
      return
    }
    this.sealed.push(sealed)
    this.onReady()
  }

  /**
   * The oldest sealed segment for the insert stage, which holds it until `remove` or `giveBack`; the open
   * segment is sealed for it first when it is due (old enough) and nothing else waits.
   */
  take(now = Date.now()): Segment | undefined {
    if (this.sealed.length === 0 && this.current && this.current.rows > 0) {
      const age = now - this.current.firstAt
      if (this.stopping || age >= this.o.sealAfterMs) this.seal()
      // Not due yet (a timer may fire a millisecond before the clock says so): look again when it is.
      else if (!this.timer) this.sealIn(this.o.sealAfterMs - age)
    }
    const seg = this.sealed.shift()
    if (seg) this.loading.add(seg)
    return seg
  }

  /** The insert stage could not store it now: first in line again. */
  giveBack(seg: Segment): void {
    if (!this.loading.delete(seg)) return
    this.sealed.unshift(seg)
  }

  /** The segment is stored: its file goes. */
  remove(seg: Segment): void {
    if (!this.loading.delete(seg)) return
    rmQuiet(seg.path)
    this.disk -= seg.bytes
  }

  /** Segments sealed or held by the insert stage. */
  get waiting(): number {
    return this.sealed.length + this.loading.size
  }

  /** Refuses new requests, writes what is pending and seals the open segment. Safe to call twice. */
  async close(): Promise<void> {
    this.stopping = true
    await this.writing
    this.seal()
  }
}

function rmQuiet(path: string): void {
  try {
    unlinkSync(path)
  } catch {}
}

/** Writes every buffer at `position`, finishing what a short write left. */
async function writeAll(fd: number, bufs: Buffer[], position: number, total: number): Promise<void> {
  let written = await new Promise<number>((resolve, reject) =>
    writev(fd, bufs, position, (e, n) => (e ? reject(e) : resolve(n))),
  )
  if (written === total) return
  const all = Buffer.concat(bufs)
  while (written < total) {
    const n = await new Promise<number>((resolve, reject) =>
      write(fd, all, written, total - written, position + written, (e, k) => (e ? reject(e) : resolve(k))),
    )
    if (n === 0) throw Object.assign(new Error('no progress writing the log'), { code: 'EIO' })
    written += n
  }
}
