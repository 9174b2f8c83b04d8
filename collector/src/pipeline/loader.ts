/**
 * The insert stage: moves one table's sealed log segments (wal.ts) into storage, one insert a segment,
 * oldest first, and removes a segment's file once its rows are stored.
 *
 * Exactly once: each insert carries an `insert_deduplication_token` made of the segment's id and the
 * rows it covers, and the tables keep a deduplication window (storage/schema.ts, migration 5). A segment
 * stored but not yet removed when the process died is inserted again on start-up, and the engine stores
 * nothing the second time. The id is unique across restarts (a sequence number and the time), and the
 * splitting below is deterministic, so a replay repeats the same tokens.
 *
 * Storage unavailable: the segment goes back first in line, /health says unready, and the insert is tried
 * again after a pause that doubles up to 10 s; the log meanwhile grows up to `--wal-max-bytes` and
 * drains when storage is back. Storage refusing the rows as *bad data* is not an outage: the segment is
 * split in halves, down to single rows, until the refused rows are found; the rest is stored, the refused
 * rows are written to `<wal>/rejected/` (RowBinaryWithNamesAndTypes, readable with `file()`), the reason
 * goes to the collector's log and to `skein_wal_rejected_rows_total`, and the log moves on.
 */
import { mkdirSync, readFile, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ERR, isSkeinError } from '../errors.js'
import type { LogFn } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { RowBinaryTable } from '../storage/rowbinary.js'
import { type Segment, scanSegment, type Wal, type WalRecord } from './wal.js'
import type { Writer } from './writer.js'

export interface LoaderOptions {
  signal: string
  table: string
  columns: readonly string[]
  encoding: RowBinaryTable
  writer: Writer
  /** Where refused rows go (`<wal>/rejected`). */
  rejectedDir: string
  /** Segments inserted side by side. */
  concurrency?: number
  /** First pause after storage failed; doubles up to 10 s. */
  retryMs?: number
  metrics?: Metrics
  log: LogFn
}

const isBadData = (e: unknown) => isSkeinError(e) && e.code === ERR.STORAGE_REJECTED.code

/** A segment's rows, numbered across its records. */
class Rows {
  readonly records: WalRecord[]
  /** starts[i]: the number of the first row of records[i]. */
  private readonly starts: number[] = []
  readonly count: number

  constructor(records: WalRecord[]) {
    this.records = records
    let n = 0
    for (const r of records) {
      this.starts.push(n)
      n += r.rows
    }
    this.count = n
  }

  /** The RowBinary of rows [from, to), as views into the segment. */
  chunks(from: number, to: number): Buffer[] {
    const out: Buffer[] = []
    for (let i = 0; i < this.records.length; i++) {
      const r = this.records[i]
      const start = this.starts[i]
      const a = Math.max(from, start)
      const b = Math.min(to, start + r.rows)
      if (a >= b) continue
      const begin = a === start ? 0 : r.ends[a - start - 1]
      out.push(r.payload.subarray(begin, r.ends[b - start - 1]))
    }
    return out
  }
}

export class Loader {
  private readonly o: LoaderOptions
  private readonly wal: Wal<unknown[]>
  private running = 0
  private readonly inFlight = new Set<Promise<void>>()
  private down = false
  private delay: number
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  private readonly replaying: Set<string>
  private resolveReplayed: () => void = () => undefined
  /** Resolves once the segments a previous run left are stored, or storage turned out unavailable. */
  readonly replayed: Promise<void>

  constructor(wal: Wal<unknown[]>, options: LoaderOptions) {
    this.o = options
    this.wal = wal
    this.delay = options.retryMs ?? 500
    this.replaying = new Set(wal.recovered.map((s) => s.id))
    this.replayed = new Promise((resolve) => {
      this.resolveReplayed = resolve
    })
    if (this.replaying.size === 0) this.resolveReplayed()
    wal.onReady = () => this.pump()
    this.pump()
  }

  /** False while storage is known to be down. */
  get healthy(): boolean {
    return !this.down
  }

  private pump(): void {
    while (!this.stopped && !this.timer && this.running < (this.o.concurrency ?? 1)) {
      const seg = this.wal.take()
      if (!seg) return
      this.running++
      const job: Promise<void> = this.load(seg).finally(() => {
        this.running--
        this.inFlight.delete(job)
        this.pump()
      })
      this.inFlight.add(job)
    }
  }

  private async load(seg: Segment): Promise<void> {
    const started = performance.now()
    let rows: Rows
    try {
      const buf = await new Promise<Buffer>((resolve, reject) =>
        readFile(seg.path, (e, b) => (e ? reject(e) : resolve(b))),
      )
      const scan = scanSegment(buf.subarray(0, seg.bytes), seg.recovered === true)
      for (const s of scan.skipped) {
        this.o.metrics?.walCorrupt(this.o.signal)
        this.o.log(
          'error',
          `write-ahead log: a corrupted record in ${seg.path} (${s.bytes} bytes at offset ${s.at}) failed its checksum; skipped`,
        )
      }
      rows = new Rows(scan.records)
    } catch (e) {
      this.o.log('error', `write-ahead log: cannot read ${seg.path} (${(e as Error).message}); skipped`)
      this.done(seg)
      return
    }
    try {
      await this.insert(seg, rows, 0, rows.count)
    } catch (e) {
      this.wal.giveBack(seg)
      this.o.metrics?.storageError(this.o.signal, rows.count)
      if (!this.down) {
        this.o.log(
          'warn',
          `storage is down (${(e as Error).message}); ${this.o.signal} wait in the write-ahead log`,
        )
      }
      this.down = true
      this.resolveReplayed()
      this.retryIn(this.delay)
      this.delay = Math.min(this.delay * 2, 10_000)
      return
    }
    if (this.down) this.o.log('info', `storage is back; the write-ahead log drains (${this.o.signal})`)
    this.down = false
    this.delay = this.o.retryMs ?? 500
    this.o.metrics?.flushed(this.o.signal, rows.count, performance.now() - started)
    this.done(seg)
  }

  private done(seg: Segment): void {
    this.wal.remove(seg)
    if (this.replaying.delete(seg.id) && this.replaying.size === 0) this.resolveReplayed()
  }

  private retryIn(ms: number): void {
    if (this.stopped || this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.pump()
    }, ms)
    this.timer.unref?.()
  }

  /** Inserts rows [from, to) of a segment; bad data is split out (see the module comment). */
  private async insert(seg: Segment, rows: Rows, from: number, to: number): Promise<void> {
    if (from >= to) return
    const token = `${this.o.signal}-${seg.id}-${from}-${to}`
    try {
      await this.o.writer.insertRowBinary(this.o.table, this.o.columns, rows.chunks(from, to), token)
    } catch (e) {
      if (!isBadData(e)) throw e
      if (to - from === 1) {
        this.reject(seg, rows, from, (e as Error).message)
        return
      }
      const half = from + Math.ceil((to - from) / 2)
      await this.insert(seg, rows, from, half)
      await this.insert(seg, rows, half, to)
    }
  }

  private reject(seg: Segment, rows: Rows, row: number, reason: string): void {
    mkdirSync(this.o.rejectedDir, { recursive: true })
    const path = join(this.o.rejectedDir, `${this.o.signal}-${seg.id}-${row}.rowbinary`)
    writeFileSync(path, Buffer.concat([this.o.encoding.namesAndTypes, ...rows.chunks(row, row + 1)]))
    this.o.metrics?.walRejected(this.o.signal, 1)
    this.o.log(
      'warn',
      `storage refused a row of ${this.o.signal} as bad data (${reason}); moved it to ${path}`,
    )
  }

  /**
   * Inserts what is sealed (the log sealed its open segment first), unless storage is down, then stops.
   * What is left stays on disk for the next start. Safe to call twice.
   */
  async shutdown(): Promise<void> {
    if (!this.down) {
      this.pump()
      while (this.inFlight.size > 0) {
        await Promise.all(this.inFlight)
        if (this.down) break
      }
    }
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await Promise.all(this.inFlight)
  }
}
