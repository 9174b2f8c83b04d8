/**
 * Self-metrics of the collector, exposed at `GET /metrics` in the Prometheus text format: items received,
 * stored, refused (backpressure) and rejected (bad input) per signal, batch sizes, flush latency, queue
 * depth and storage errors, and the write-ahead log's state (bytes, oldest unflushed age, rows per insert). Plain counters: cheap enough for the hot path.
 */
type Counter = Map<string, number>

export interface WalState {
  bytes: number
  oldestAgeMs: number
  segments: number
}

function inc(c: Counter, key: string, n = 1): void {
  c.set(key, (c.get(key) ?? 0) + n)
}

export class Metrics {
  private readonly received: Counter = new Map()
  private readonly stored: Counter = new Map()
  private readonly refusedItems: Counter = new Map()
  private readonly rejectedItems: Counter = new Map()
  private readonly storageErrors: Counter = new Map()
  private readonly refusedRequestsByCause: Counter = new Map()
  private readonly batches: Counter = new Map()
  private readonly flushMsSum: Counter = new Map()
  private readonly depthProbes = new Map<string, () => { rows: number; bytes: number }>()
  private memoryProbe: (() => { used: number; inflight: number }) | undefined
  private readonly walProbes = new Map<string, () => WalState>()
  private readonly walRejectedRows: Counter = new Map()
  private readonly walCorruptRecords: Counter = new Map()
  private readonly walTornTails: Counter = new Map()
  private readonly walWriteErrors: Counter = new Map()

  receivedItems(signal: string, n: number): void {
    inc(this.received, signal, n)
  }
  /** Items refused because the queue was full. */
  refused(signal: string, n: number): void {
    inc(this.refusedItems, signal, n)
  }
  /** Requests refused (503) before their body was read or decoded: 'memory' or 'inflight' (the budget). */
  refusedRequest(cause: string): void {
    inc(this.refusedRequestsByCause, cause)
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
  /** The write-ahead log of a signal: bytes on disk, age of its oldest row not yet stored, segments. */
  watchWal(signal: string, probe: () => WalState): void {
    this.walProbes.set(signal, probe)
  }
  /** Rows storage refused as bad data, moved to the log's `rejected/`. */
  walRejected(signal: string, rows: number): void {
    inc(this.walRejectedRows, signal, rows)
  }
  /** A record that failed its checksum in the middle of a segment, skipped. */
  walCorrupt(signal: string): void {
    inc(this.walCorruptRecords, signal)
  }
  /** A segment's torn tail cut at start-up. */
  walTornTail(signal: string): void {
    inc(this.walTornTails, signal)
  }
  /** A write or fsync of the log that failed (its requests were refused with 503). */
  walWriteError(signal: string, _rows: number): void {
    inc(this.walWriteErrors, signal)
  }
  /** The memory limiter's view: memory in use as it measures it, request-body bytes in flight. */
  watchMemory(probe: () => { used: number; inflight: number }): void {
    this.memoryProbe = probe
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
    out.push(
      '# HELP skein_refused_requests_total Requests refused with 503 before their body was read, by cause',
      '# TYPE skein_refused_requests_total counter',
    )
    for (const [cause, n] of this.refusedRequestsByCause)
      out.push(`skein_refused_requests_total{cause="${cause}"} ${n}`)
    family('skein_batches_total', 'Batches inserted', 'counter', this.batches)
    family(
      'skein_flush_duration_ms_sum',
      'Total time spent inserting batches, ms',
      'counter',
      this.flushMsSum,
    )
    out.push(
      '# HELP skein_insert_rows Rows per insert into storage (sum / count is the mean)',
      '# TYPE skein_insert_rows summary',
    )
    for (const [signal, n] of this.batches) {
      out.push(`skein_insert_rows_sum{signal="${signal}"} ${this.stored.get(signal) ?? 0}`)
      out.push(`skein_insert_rows_count{signal="${signal}"} ${n}`)
    }
    const wal = [...this.walProbes].map(([signal, probe]) => [signal, probe()] as const)
    const gauge = (name: string, help: string, value: (w: WalState) => number) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`)
      for (const [signal, w] of wal) out.push(`${name}{signal="${signal}"} ${value(w)}`)
    }
    gauge('skein_wal_bytes', 'Bytes in the write-ahead log (acknowledged, not yet stored)', (w) => w.bytes)
    gauge('skein_wal_segments', 'Sealed log segments waiting for their insert', (w) => w.segments)
    gauge(
      'skein_wal_oldest_unflushed_age_seconds',
      'Age of the oldest acknowledged row not yet stored',
      (w) => w.oldestAgeMs / 1000,
    )
    family(
      'skein_wal_rejected_rows_total',
      'Rows storage refused as bad data, moved to the log directory rejected/',
      'counter',
      this.walRejectedRows,
    )
    family(
      'skein_wal_corrupt_records_total',
      'Log records that failed their checksum in the middle of a segment, skipped',
      'counter',
      this.walCorruptRecords,
    )
    family('skein_wal_torn_tails_total', 'Torn segment tails cut at start-up', 'counter', this.walTornTails)
    family(
      'skein_wal_write_errors_total',
      'Log writes or fsyncs that failed (their requests answered 503)',
      'counter',
      this.walWriteErrors,
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
    if (this.memoryProbe) {
      const { used, inflight } = this.memoryProbe()
      out.push(
        '# HELP skein_memory_used_bytes Memory the limiter counts against --memory-limit (anonymous RSS)',
        '# TYPE skein_memory_used_bytes gauge',
        `skein_memory_used_bytes ${used}`,
        '# HELP skein_inflight_body_bytes Request-body bytes read or decoded now (--max-inflight-bytes)',
        '# TYPE skein_inflight_body_bytes gauge',
        `skein_inflight_body_bytes ${inflight}`,
      )
    }
    return `${out.join('\n')}\n`
  }
}
