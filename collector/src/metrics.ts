/**
 * Self-metrics of the collector, exposed at `GET /metrics` in the Prometheus text format: items received,
 * stored, refused (backpressure) and rejected (bad input) per signal, batch sizes, flush latency, queue
 * depth and storage errors. Plain counters: cheap enough for the hot path.
 */
type Counter = Map<string, number>

function inc(c: Counter, key: string, n = 1): void {
  c.set(key, (c.get(key) ?? 0) + n)
}

export class Metrics {
  private readonly received: Counter = new Map()
  private readonly stored: Counter = new Map()
  private readonly refusedItems: Counter = new Map()
  private readonly rejectedItems: Counter = new Map()
  private readonly storageErrors: Counter = new Map()
  private readonly batches: Counter = new Map()
  private readonly flushMsSum: Counter = new Map()
  private readonly depthProbes = new Map<string, () => { rows: number; bytes: number }>()

  receivedItems(signal: string, n: number): void {
    inc(this.received, signal, n)
  }
  /** Items refused because the queue was full. */
  refused(signal: string, n: number): void {
    inc(this.refusedItems, signal, n)
  }
  /** Items rejected as invalid, by reason (e.g. 'bad_id', 'malformed'). */
  rejected(signal: string, reason: string, n: number): void {
    inc(this.rejectedItems, `${signal}\u0000${reason}`, n)
  }
  flushed(signal: string, rows: number, ms: number): void {
    inc(this.stored, signal, rows)
    inc(this.batches, signal)
    inc(this.flushMsSum, signal, ms)
  }
  storageError(signal: string, _rows: number): void {
    inc(this.storageErrors, signal)
  }
  watchDepth(signal: string, probe: () => { rows: number; bytes: number }): void {
    this.depthProbes.set(signal, probe)
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = []
    const family = (name: string, help: string, type: string, c: Counter, label = 'signal') => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const [k, v] of c) {
        if (label === 'signal,reason') {
          const [signal, reason] = k.split('\u0000')
          out.push(`${name}{signal="${signal}",reason="${reason}"} ${v}`)
        } else out.push(`${name}{signal="${k}"} ${v}`)
      }
    }
    family('skein_received_items_total', 'Items received in requests', 'counter', this.received)
    family('skein_stored_items_total', 'Items inserted into storage', 'counter', this.stored)
    family(
      'skein_refused_items_total',
      'Items refused with 503 because the queue was full',
      'counter',
      this.refusedItems,
    )
    family(
      'skein_rejected_items_total',
      'Items rejected as invalid',
      'counter',
      this.rejectedItems,
      'signal,reason',
    )
    family(
      'skein_storage_errors_total',
      'Batches that storage did not accept after retries',
      'counter',
      this.storageErrors,
    )
    family('skein_batches_total', 'Batches inserted', 'counter', this.batches)
    family(
      'skein_flush_duration_ms_sum',
      'Total time spent inserting batches, ms',
      'counter',
      this.flushMsSum,
    )
    out.push(
      '# HELP skein_queue_rows Rows held in memory (queued and in flight)',
      '# TYPE skein_queue_rows gauge',
    )
    for (const [signal, probe] of this.depthProbes)
      out.push(`skein_queue_rows{signal="${signal}"} ${probe().rows}`)
    out.push('# HELP skein_queue_bytes Estimated bytes held in memory', '# TYPE skein_queue_bytes gauge')
    for (const [signal, probe] of this.depthProbes)
      out.push(`skein_queue_bytes{signal="${signal}"} ${probe().bytes}`)
    const mem = process.memoryUsage()
    out.push(
      '# HELP skein_process_resident_memory_bytes Resident set size',
      '# TYPE skein_process_resident_memory_bytes gauge',
    )
    out.push(`skein_process_resident_memory_bytes ${mem.rss}`)
    return `${out.join('\n')}\n`
  }
}
