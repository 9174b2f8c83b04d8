/**
 * The ingestion pipeline behind every receiver, one per table: the write-ahead log (wal.ts), which a
 * request's rows enter and which acknowledges them once fsynced, and the insert stage (loader.ts), which
 * moves the log into storage. The same for every storage, embedded or server. Receivers decode a request
 * into rows and call `spans.consume` / `logs.consume`; nothing else of storage is visible to them.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../config.js'
import type { LogFn } from '../log.js'
import type { Metrics } from '../metrics.js'
import { LOG_COLUMNS, type LogRow, SPAN_COLUMNS, type SpanRow } from '../rows.js'
import { type RowBinaryTable, rowBinaryFor } from '../storage/rowbinary.js'
import type { Storage } from '../storage/storage.js'
import { Loader } from './loader.js'
import { MemoryLimiter } from './memory.js'
import { Wal } from './wal.js'
import { createWriter, poolWriters, type Writer } from './writer.js'

/** What receivers hand rows to: resolves once they are durable, rejects with a coded error. */
export interface Ingest<R> {
  consume(rows: R[], bytes: number): Promise<void>
}

export interface Pipeline {
  readonly spans: Ingest<SpanRow>
  readonly logs: Ingest<LogRow>
  /** Admission before a request's body is read: the in-flight budget and the memory bound. */
  readonly memory: MemoryLimiter
  /**
   * Resolves once what a previous run left in the log is stored (or storage turned out to be down, in
   * which case it stays in the log and /health says unready). Ingest opens after it.
   */
  readonly replayed: Promise<void>
  /** False while storage is known to be down (the log is growing). */
  healthy(): boolean
  /** Refuses new rows, writes what is pending, inserts what the log holds unless storage is down. */
  shutdown(): Promise<void>
}

/** A log segment is sealed at this size whatever its rows (a segment is read whole for its insert). */
const SEGMENT_BYTES = 64 * 2 ** 20

export function createPipeline(
  storage: Storage,
  config: Config,
  metrics: Metrics,
  log: LogFn,
  writer?: Writer,
): Pipeline {
  const memory = new MemoryLimiter({
    limitBytes: config.memoryLimitBytes,
    inflightBytes: config.maxInflightBytes,
  })
  const wals: Wal<unknown[]>[] = []
  const loaders: Loader[] = []
  /** The log's bytes of every table together are bounded; each table may use what the others leave. */
  const free = () => config.walMaxBytes - wals.reduce((n, w) => n + w.bytes, 0)
  const open = <R extends unknown[]>(signal: string, table: string, columns: readonly string[]) => {
    const encoding = rowBinaryFor(columns) as RowBinaryTable
    const wal: Wal<R> = new Wal<R>({
      dir: join(config.walDir, signal),
      signal,
      encoding,
      maxBytes: (): number => wal.bytes + free(),
      segmentRows: config.batchRows,
      segmentBytes: SEGMENT_BYTES,
      sealAfterMs: config.batchDelayMs,
      maxPendingRows: config.maxQueueRows,
      maxPendingBytes: config.maxQueueBytes,
      memoryPressure: () => memory.refusal() !== undefined,
      metrics,
      log,
    })
    const clients = signal === 'spans' ? storage.insertClients.spans : storage.insertClients.logs
    const loader = new Loader(wal as Wal<unknown[]>, {
      signal,
      table,
      columns,
      encoding,
      writer:
        writer ??
        poolWriters(
          clients.map((c) =>
            createWriter(c, {
              stagingDir:
                storage.mode === 'embedded' ? (storage.stagingDir ?? stagingIn(config.walDir)) : undefined,
            }),
          ),
        ),
      rejectedDir: join(config.walDir, 'rejected'),
      concurrency: config.insertConcurrency,
      metrics,
      log,
    })
    wals.push(wal as Wal<unknown[]>)
    loaders.push(loader)
    metrics.watchDepth(signal, () => wal.depth)
    metrics.watchWal(signal, () => ({
      bytes: wal.bytes,
      oldestAgeMs: wal.oldestAgeMs(),
      segments: wal.waiting,
    }))
    return wal
  }
  const spans = open<SpanRow>('spans', storage.table('otel_traces'), SPAN_COLUMNS)
  const logs = open<LogRow>('logs', storage.table('otel_logs'), LOG_COLUMNS)
  metrics.watchMemory(() => {
    memory.refusal() // a fresh sample, if the last one is older than 50 ms
    return { used: memory.usedBytes, inflight: memory.inflightBytes }
  })
  let done: Promise<void> | undefined
  return {
    spans,
    logs,
    memory,
    replayed: Promise.all(loaders.map((l) => l.replayed)).then(() => undefined),
    healthy: () => loaders.every((l) => l.healthy),
    shutdown() {
      done ??= Promise.all(wals.map((w) => w.close()))
        .then(() => Promise.all(loaders.map((l) => l.shutdown())))
        .then(() => memory.shutdown())
      return done
    },
  }
}

/** Where inserts are staged when the engine's staging directory could not be made: beside the log. */
function stagingIn(walDir: string): string {
  const dir = join(walDir, 'staging')
  mkdirSync(dir, { recursive: true })
  return dir
}
