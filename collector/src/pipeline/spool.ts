/**
 * The spool: a bounded on-disk queue of batches that storage did not take (server mode). A batch that
 * fails after the writer's retries is written here — fsynced and renamed into place — and only then
 * acknowledged, so a collector restart loses nothing acked. A replayer sends spooled batches, oldest
 * first, as soon as storage answers again; on start-up it finds what a previous run left.
 *
 * While storage is down (the last attempt failed and the spool is not empty) new batches go straight to
 * the spool instead of waiting through retries, and health reports unready. When the spool is full,
 * batches fail with a retryable error: clients get 503 and keep their data.
 *
 * Bad data is not an outage. A batch that storage refuses as invalid (STORAGE_REJECTED) goes back to
 * the batcher, which isolates the request at fault: spooled, it was answered 200, replayed forever and
 * kept health unready until the spool filled (issue 18.9). A spooled batch (taken while storage was down,
 * so never tried) that storage refuses on replay is split in halves until the refused rows are found;
 * the others are stored, those are moved to `rejected/` beside the spool, and the replay goes on.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { ERR, isSkeinError, skeinError } from '../errors.js'
import type { LogFn } from '../log.js'
import type { Writer } from './writer.js'

export interface SpoolOptions {
  dir: string
  maxBytes: number
  log: LogFn
  /** First pause between replay attempts; doubles up to 10 s while storage stays down. */
  retryMs?: number
}

/** The writer's verdict that the rows themselves are bad: retrying them will never succeed. */
const isBadData = (e: unknown) => isSkeinError(e) && e.code === ERR.STORAGE_REJECTED.code

interface Header {
  table: string
  columns: string[]
  rows: number
}

export class SpoolingWriter implements Writer {
  private readonly o: SpoolOptions
  private readonly inner: Writer
  private readonly once: Writer
  private bytes = 0
  private seq = 0
  private files: string[] = []
  private down = false
  private timer: NodeJS.Timeout | undefined
  private replaying: Promise<void> | undefined
  private delay: number
  private stopped = false

  /**
   * @param inner the normal writer (with its retries)
   * @param once a writer that tries once, for replays
   */
  constructor(inner: Writer, once: Writer, options: SpoolOptions) {
    this.inner = inner
    this.once = once
    this.o = options
    this.delay = options.retryMs ?? 500
    mkdirSync(options.dir, { recursive: true })
    for (const f of readdirSync(options.dir)) {
      if (f.endsWith('.tmp')) unlinkSync(join(options.dir, f))
      else if (f.endsWith('.batch')) {
        this.files.push(f)
        this.bytes += statSync(join(options.dir, f)).size
        this.seq = Math.max(this.seq, Number.parseInt(f, 10) + 1)
      }
    }
    this.files.sort()
    if (this.files.length > 0) {
      this.down = true
      options.log(
        'warn',
        `spool: ${this.files.length} batches (${this.bytes} bytes) left by a previous run; replaying`,
      )
      this.schedule(0)
    }
  }

  /** False while storage is known to be down or the spool still holds batches. */
  get healthy(): boolean {
    return !this.down
  }

  get pending(): { batches: number; bytes: number } {
    return { batches: this.files.length, bytes: this.bytes }
  }

  async insert(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void> {
    if (!this.down) {
      try {
        await this.inner.insert(table, columns, rows)
        return
      } catch (e) {
        if (isBadData(e)) throw e
        this.down = true
        this.o.log('warn', `storage is down (${(e as Error).message}); spooling to ${this.o.dir}`)
        this.schedule(this.delay)
      }
    }
    this.append(table, columns, rows)
  }

  private append(table: string, columns: readonly string[], rows: readonly unknown[][]): void {
    const text = serialize({ table, columns: [...columns], rows: rows.length }, rows)
    const size = Buffer.byteLength(text)
    if (this.bytes + size > this.o.maxBytes) {
      throw skeinError(
        'STORAGE_UNAVAILABLE',
        `storage is down and the spool is full (${this.bytes} bytes); retry later`,
      )
    }
    const name = `${String(this.seq++).padStart(12, '0')}.batch`
    writeDurably(join(this.o.dir, name), text)
    this.files.push(name)
    this.bytes += size
  }

  private schedule(ms: number): void {
    if (this.stopped || this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.replaying = this.replay().finally(() => {
        this.replaying = undefined
      })
    }, ms)
    this.timer.unref?.()
  }

  private async replay(): Promise<void> {
    while (this.files.length > 0 && !this.stopped) {
      const name = this.files[0]
      const path = join(this.o.dir, name)
      const [headerLine, ...lines] = readFileSync(path, 'utf8').split('\n')
      const header = JSON.parse(headerLine) as Header
      const rows = lines.filter(Boolean).map((l) => JSON.parse(l) as unknown[])
      if (!(await this.replayOne(name, header, rows))) {
        this.delay = Math.min(this.delay * 2, 10_000)
        this.schedule(this.delay)
        return
      }
      const size = statSync(path).size
      unlinkSync(path)
      this.files.shift()
      this.bytes -= size
    }
    if (this.files.length === 0 && this.down) {
      this.down = false
      this.delay = this.o.retryMs ?? 500
      this.o.log('info', 'storage is back; the spool is empty')
    }
  }

  /**
   * Inserts one spooled batch; true once every row is stored or, if refused as bad data, moved to
   * `rejected/`. Refused rows are found by halving (a few inserts for a few bad rows among thousands).
   * False when storage is unavailable: the file is rewritten with the rows not yet stored, so that a
   * later replay neither repeats the stored ones nor loses the others.
   */
  private async replayOne(name: string, header: Header, rows: unknown[][]): Promise<boolean> {
    const todo: unknown[][][] = [rows]
    const refused: unknown[][] = []
    let reason = ''
    let progress = false
    while (todo.length > 0) {
      const part = todo[0]
      try {
        await this.once.insert(header.table, header.columns, part)
      } catch (e) {
        if (!isBadData(e)) {
          if (progress) this.rewrite(name, header, todo.flat())
          if (refused.length > 0) this.reject(name, header, refused, reason)
          return false
        }
        todo.shift()
        progress = true
        if (part.length === 1) {
          refused.push(part[0])
          reason ||= (e as Error).message
        } else {
          const half = Math.ceil(part.length / 2)
          todo.unshift(part.slice(0, half), part.slice(half))
        }
        continue
      }
      todo.shift()
      progress = true
    }
    if (refused.length > 0) this.reject(name, header, refused, reason)
    return true
  }

  /** Writes the rows of a batch file anew (temporary file, fsync, rename), keeping its place in line. */
  private rewrite(name: string, header: Header, rows: unknown[][]): void {
    const path = join(this.o.dir, name)
    const before = statSync(path).size
    writeDurably(path, serialize({ ...header, rows: rows.length }, rows))
    this.bytes += statSync(path).size - before
  }

  /** Moves rows storage refused as bad data out of the way, to `rejected/` beside the spool. */
  private reject(name: string, header: Header, rows: unknown[][], reason: string): void {
    const dir = join(this.o.dir, 'rejected')
    mkdirSync(dir, { recursive: true })
    writeDurably(join(dir, name), serialize({ ...header, rows: rows.length }, rows))
    this.o.log(
      'warn',
      `spool: storage refused ${rows.length} rows of ${name} as bad data (${reason}); moved them to ${dir}`,
    )
  }

  /** Stops replaying (what is spooled stays on disk for the next start). Safe to call twice. */
  async shutdown(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.replaying
  }
}

function serialize(header: Header, rows: readonly unknown[][]): string {
  return `${JSON.stringify(header)}\n${rows.map((r) => JSON.stringify(r)).join('\n')}\n`
}

/** Writes a file so that it survives a crash whole or not at all: temporary file, fsync, rename, fsync dir. */
function writeDurably(path: string, text: string): void {
  const tmp = `${path}.tmp`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  // The rename must be durable too before we acknowledge.
  const dfd = openSync(dirname(path), 'r')
  try {
    fsyncSync(dfd)
  } finally {
    closeSync(dfd)
  }
}
