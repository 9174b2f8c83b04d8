/**
 * The ingestion pipeline behind every receiver: one batcher (and writer) per table. Receivers decode a
 * request into rows and call `spans.consume` / `logs.consume`; nothing else of storage is visible to them.
 */
import { join } from 'node:path'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Config } from '../config.js'
import type { LogFn } from '../log.js'
import type { Metrics } from '../metrics.js'
import { LOG_COLUMNS, type LogRow, SPAN_COLUMNS, type SpanRow } from '../rows.js'
import type { Storage } from '../storage/storage.js'
import { Batcher } from './batcher.js'
import { MemoryLimiter } from './memory.js'
import { SpoolingWriter } from './spool.js'
import { createWriter, poolWriters, type Writer } from './writer.js'

export interface Pipeline {
  readonly spans: Batcher<SpanRow>
  readonly logs: Batcher<LogRow>
  /** Admission before a request's body is read: the in-flight budget and the memory bound. */
  readonly memory: MemoryLimiter
  /** False while storage is known to be down (server mode, batches spooled). */
  healthy(): boolean
  /** Flushes both batchers and waits for their inserts. Safe to call twice. */
  shutdown(): Promise<void>
}

export function createPipeline(
  storage: Storage,
  config: Config,
  metrics: Metrics,
  log: LogFn,
  writer?: Writer,
): Pipeline {
  const spools: SpoolingWriter[] = []
  /** Server mode: a spool in front of each signal's writer, so an outage does not lose acked data. */
  const writerFor = (signal: string, clients: ClickHouseClient[]): Writer => {
    if (writer) return writer
    const client = clients[0]
    const normal = poolWriters(clients.map((c) => createWriter(c, { stagingDir: storage.stagingDir })))
    if (storage.mode !== 'server') return normal
    const spool = new SpoolingWriter(normal, createWriter(client, { attempts: 1 }), {
      dir: join(config.spoolDir, signal),
      maxBytes: config.spoolMaxBytes / 2,
      log,
    })
    spools.push(spool)
    return spool
  }
  const memory = new MemoryLimiter({
    limitBytes: config.memoryLimitBytes,
    inflightBytes: config.maxInflightBytes,
  })
  const common = {
    maxRows: config.batchRows,
    delayMs: config.batchDelayMs,
    maxQueueRows: config.maxQueueRows,
    maxQueueBytes: config.maxQueueBytes,
    metrics,
    memoryPressure: () => memory.refusal() !== undefined,
    maxInFlight: config.insertConcurrency,
  }
  const spans = new Batcher<SpanRow>({
    ...common,
    writer: writerFor('spans', storage.insertClients.spans),
    signal: 'spans',
    table: storage.table('otel_traces'),
    columns: SPAN_COLUMNS,
  })
  const logs = new Batcher<LogRow>({
    ...common,
    writer: writerFor('logs', storage.insertClients.logs),
    signal: 'logs',
    table: storage.table('otel_logs'),
    columns: LOG_COLUMNS,
  })
  metrics.watchDepth('spans', () => spans.depth)
  metrics.watchDepth('logs', () => logs.depth)
  metrics.watchMemory(() => {
    memory.refusal() // a fresh sample, if the last one is older than 50 ms
    return { used: memory.usedBytes, inflight: memory.inflightBytes }
  })
  let done: Promise<void> | undefined
  return {
    spans,
    logs,
    memory,
    healthy: () => spools.every((s) => s.healthy),
    shutdown() {
      done ??= Promise.all([spans.shutdown(), logs.shutdown()])
        .then(() => Promise.all(spools.map((s) => s.shutdown())))
        .then(() => memory.shutdown())
      return done
    },
  }
}
