/**
 * Batcher: one per table. Collects the rows of many requests into batches and hands each batch to the
 * writer, flushing on size (`maxRows`) or time (`delayMs`). A request's promise resolves only once every
 * row it carried has been inserted — a 2xx means stored. Memory is bounded: rows and bytes held (queued
 * and in flight) are counted, and a request that would pass the bound is refused at once with a
 * retryable BACKPRESSURE error (HTTP 503 + Retry-After, gRPC UNAVAILABLE) instead of growing the heap.
 *
 * A request's rows are never split across batches, so one insert decides its fate.
 *
 * Group commit: since a client waits for its insert, a fixed delay would cap throughput at
 * (requests in flight × rows per request) / delay. So the batch is inserted as soon as the writer is idle
 * (after a short linger that lets concurrent requests join), and while an insert runs the next batch
 * grows; under load batches grow towards `maxRows`, idle it costs one small insert per burst.
 */
import { ERR, isSkeinError, skeinError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import type { Writer } from './writer.js'

export interface BatcherOptions {
  /** Signal name for metrics and messages: 'spans' | 'logs'. */
  signal: string
  table: string
  columns: readonly string[]
  writer: Writer
  maxRows: number
  delayMs: number
  /** How long a batch waits for company when the writer is idle (default min(delayMs, 10 ms)). */
  lingerMs?: number
  /** Inserts run at once (the writer must take that many side by side); default 1. */
  maxInFlight?: number
  maxQueueRows: number
  maxQueueBytes: number
  metrics?: Metrics
  /** True while the process is short of memory: new requests are refused like a full queue. */
  memoryPressure?: () => boolean
}

interface Waiter {
  resolve: () => void
  reject: (e: unknown) => void
  /** This request's rows are batch.rows[start, end). */
  start: number
  end: number
}

interface Batch {
  rows: unknown[][]
  bytes: number
  waiters: Waiter[]
}

export class Batcher<R extends unknown[]> {
  private readonly o: BatcherOptions
  private current: Batch | undefined
  private readonly sealed: Batch[] = []
  private timer: NodeJS.Timeout | undefined
  /** When the running timer fires (performance.now() ms). */
  private timerAt = 0
  private readonly inFlight = new Set<Promise<void>>()
  private heldRows = 0
  private heldBytes = 0
  private stopping = false

  private readonly linger: number
  private readonly maxInFlight: number

  constructor(options: BatcherOptions) {
    this.o = options
    this.linger = options.lingerMs ?? Math.min(options.delayMs, 10)
    this.maxInFlight = options.maxInFlight ?? 1
  }

  private get writerFree(): boolean {
    return this.inFlight.size < this.maxInFlight
  }

  /** Rows and bytes held in memory now (queued + in flight). */
  get depth(): { rows: number; bytes: number } {
    return { rows: this.heldRows, bytes: this.heldBytes }
  }

  /**
   * Queues the rows of one request; resolves once they are inserted, rejects with a retryable error when
   * refused (over the memory bound, shutting down) or when storage failed them.
   */
  consume(rows: R[], bytes: number): Promise<void> {
    if (rows.length === 0) return Promise.resolve()
    if (this.stopping)
      return Promise.reject(skeinError('SHUTTING_DOWN', 'the collector is shutting down; retry'))
    const empty = this.heldRows === 0
    // Memory first: the queue may be empty while the process is over its bound, and a message that
    // blamed the queue ("0 rows held") would send the operator to the wrong setting.
    const why = this.o.memoryPressure?.()
      ? 'the collector is over its memory bound (85% of --memory-limit)'
      : !empty &&
          (this.heldRows + rows.length > this.o.maxQueueRows || this.heldBytes + bytes > this.o.maxQueueBytes)
        ? `too many ${this.o.signal} waiting to be stored (${this.heldRows} rows held)`
        : undefined
    if (why !== undefined) {
      this.o.metrics?.refused(this.o.signal, rows.length)
      return Promise.reject(skeinError('BACKPRESSURE', `${why}; retry later`))
    }
    this.heldRows += rows.length
    this.heldBytes += bytes
    this.current ??= { rows: [], bytes: 0, waiters: [] }
    const batch = this.current
    const start = batch.rows.length
    for (let i = 0; i < rows.length; i++) batch.rows.push(rows[i])
    batch.bytes += bytes
    const done = new Promise<void>((resolve, reject) =>
      batch.waiters.push({ resolve, reject, start, end: batch.rows.length }),
    )
    if (batch.rows.length >= this.o.maxRows) this.seal()
    else if (!this.timer) this.sealIn(this.writerFree ? this.linger : this.o.delayMs)
    return done
  }

  /** Seals the current batch in `ms`, or sooner if a timer already runs that fires sooner. */
  private sealIn(ms: number): void {
    const at = performance.now() + ms
    if (this.timer && this.timerAt <= at) return
    if (this.timer) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => this.seal(), ms)
  }

  private seal(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (!this.current) return
    this.sealed.push(this.current)
    this.current = undefined
    this.pump()
  }

  private pump(): void {
    while (this.writerFree && this.sealed.length > 0) this.start(this.sealed.shift() as Batch)
  }

  private start(batch: Batch): void {
    const started = performance.now()
    // Release the bound before settling the waiters: a client that was acknowledged may send again at once.
    const settle = (ok: boolean, error?: unknown) => {
      this.heldRows -= batch.rows.length
      this.heldBytes -= batch.bytes
      this.inFlight.delete(insert)
      if (ok) {
        this.o.metrics?.flushed(this.o.signal, batch.rows.length, performance.now() - started)
        for (const w of batch.waiters) w.resolve()
      } else {
        this.o.metrics?.storageError(this.o.signal, batch.rows.length)
        for (const w of batch.waiters) w.reject(error)
      }
      // Group commit: what gathered during this insert goes next, without waiting for the delay: after a
      // linger, which lets the clients just acknowledged send again and join it. Sealing at once split
      // 32 clients into two alternating halves of 16 requests per insert; with the linger, batches are
      // about 1.4x larger and OTLP/HTTP ingest measured 8–15% faster (fewer parts, less merging).
      if (this.sealed.length === 0 && this.current) this.sealIn(this.linger)
      else this.pump()
    }
    const insert: Promise<void> = this.o.writer
      .insert(this.o.table, this.o.columns, batch.rows)
      .catch((e) =>
        isSkeinError(e) && e.code === ERR.STORAGE_REJECTED.code && batch.waiters.length > 1
          ? this.isolate(batch)
          : Promise.reject(e),
      )
      .then(
        () => settle(true),
        (e) => settle(false, e),
      )
    this.inFlight.add(insert)
  }

  /**
   * Storage refused a batch as invalid: one request's rows poison the insert for every request batched
   * with it. Insert each request's rows alone, so the others are stored and only the bad one fails.
   */
  private async isolate(batch: Batch): Promise<void> {
    const waiters = batch.waiters
    batch.waiters = []
    for (const w of waiters) {
      try {
        await this.o.writer.insert(this.o.table, this.o.columns, batch.rows.slice(w.start, w.end))
        w.resolve()
      } catch (e) {
        w.reject(e)
      }
    }
  }

  /** Flushes what is queued and waits for it; later `consume` calls are refused. Safe to call twice. */
  async shutdown(): Promise<void> {
    this.stopping = true
    this.seal()
    while (this.inFlight.size > 0 || this.sealed.length > 0) {
      await Promise.all(this.inFlight)
      this.pump()
    }
  }
}
