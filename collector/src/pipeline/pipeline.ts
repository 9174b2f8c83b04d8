/**
 * The ingestion pipeline behind every receiver: one batcher (and writer) per table. Receivers decode a
 * request into rows and call `spans.consume` / `logs.consume`; nothing else of storage is visible to them.
 */
import type { Config } from '../config.js'
import type { Metrics } from '../metrics.js'
import { LOG_COLUMNS, type LogRow, SPAN_COLUMNS, type SpanRow } from '../rows.js'
import type { Storage } from '../storage/storage.js'
import { Batcher } from './batcher.js'
import { createWriter, type Writer } from './writer.js'

export interface Pipeline {
  readonly spans: Batcher<SpanRow>
  readonly logs: Batcher<LogRow>
  /** Flushes both batchers and waits for their inserts. Safe to call twice. */
  shutdown(): Promise<void>
}

export function createPipeline(storage: Storage, config: Config, metrics: Metrics, writer?: Writer): Pipeline {
  const w = writer ?? createWriter(storage.ingest)
  const common = {
    writer: w,
    maxRows: config.batchRows,
    delayMs: config.batchDelayMs,
    maxQueueRows: config.maxQueueRows,
    maxQueueBytes: config.maxQueueBytes,
    metrics,
  }
  const spans = new Batcher<SpanRow>({ ...common, signal: 'spans', table: storage.table('otel_traces'), columns: SPAN_COLUMNS })
  const logs = new Batcher<LogRow>({ ...common, signal: 'logs', table: storage.table('otel_logs'), columns: LOG_COLUMNS })
  metrics.watchDepth('spans', () => spans.depth)
  metrics.watchDepth('logs', () => logs.depth)
  let done: Promise<void> | undefined
  return {
    spans,
    logs,
    shutdown() {
      done ??= Promise.all([spans.shutdown(), logs.shutdown()]).then(() => undefined)
      return done
    },
  }
}
