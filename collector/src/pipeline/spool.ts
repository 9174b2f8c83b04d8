/**
 * The spool: a bounded on-disk queue of batches that storage did not take (server mode). A batch that
 * fails after the writer's retries is written here — fsynced and renamed into place — and only then
 * acknowledged, so a collector restart loses nothing acked. A replayer sends spooled batches, oldest
 * first, as soon as storage answers again; on start-up it finds what a previous run left.
 *
 * While storage is down (the last attempt failed and the spool is not empty) new batches go straight to
 * the spool instead of waiting through retries, and health reports unready. When the spool is full,
 * batches fail with a retryable error: clients get 503 and keep their data.
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
import { join } from 'node:path'
import { skeinError } from '../errors.js'
import type { LogFn } from '../log.js'
import type { Writer } from './writer.js'

export interface SpoolOptions {
  dir: string
  maxBytes: number
  log: LogFn
  /** First pause between replay attempts; doubles up to 10 s while storage stays down. */
  retryMs?: number
}

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
        this.down = true
        this.o.log('warn', `storage is down (${(e as Error).message}); spooling to ${this.o.dir}`)
        this.schedule(this.delay)
      }
    }
    this.append(table, columns, rows)
  }

  private append(table: string, columns: readonly string[], rows: readonly unknown[][]): void {
    const header: Header = { table, columns: [...columns], rows: rows.length }
    const text = `${JSON.stringify(header)}\n${rows.map((r) => JSON.stringify(r)).join('\n')}\n`
    const size = Buffer.byteLength(text)
    if (this.bytes + size > this.o.maxBytes) {
      throw skeinError(
        'STORAGE_UNAVAILABLE',
        `storage is down and the spool is full (${this.bytes} bytes); retry later`,
      )
    }
    const name = `${String(this.seq++).padStart(12, '0')}.batch`
    const tmp = join(this.o.dir, `${name}.tmp`)
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, join(this.o.dir, name))
    // The rename must be durable too before we acknowledge.
    const dfd = openSync(this.o.dir, 'r')
    try {
      fsyncSync(dfd)
    } finally {
      closeSync(dfd)
    }
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
      try {
        await this.once.insert(header.table, header.columns, rows)
      } catch {
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

  /** Stops replaying (what is spooled stays on disk for the next start). Safe to call twice. */
  async shutdown(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.replaying
  }
}
