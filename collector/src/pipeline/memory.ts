/**
 * The memory limiter in front of ingestion, as the OpenTelemetry Collector's memory_limiter, in two parts.
 *
 * 1. A budget of request-body bytes in flight, taken *before* a body is read (from Content-Length, or
 *    chunk by chunk when the length is not declared) and given back when the request is answered. A
 *    request the budget cannot cover is refused at once (503 + Retry-After), its body unread. Reading
 *    first and checking after is what let 60 concurrent 19 MiB requests take 1.4 GB under a 512 MiB
 *    limit (issue 18.3). Bodies expand as they are decoded (measured: a 4 MiB OTLP/JSON body is ≈ 28 MiB
 *    of string, parsed object and rows at its peak; protobuf ≈ 3x), hence a default of 1/16 of the limit.
 *
 * 2. A soft limit on the memory the process allocated: above 85% of `--memory-limit`, ingest is refused
 *    and `/health` says why. What is measured is anonymous resident memory (Linux `RssAnon`: the JS heap,
 *    buffers, the engine's working memory), not plain RSS, which also counts the ≈ 215 MB of the embedded
 *    engine's library mapped from disk (shared, reclaimable, and constant): with it, an idle collector was
 *    already "over" a 256 MiB limit. Above the soft limit a full GC is forced (at most once a second):
 *    V8 collects only when it allocates, so after a burst an idle process kept its garbage, stayed above
 *    the limit and refused everything for minutes. Measured: 357 MiB of heap garbage collected in 17 ms
 *    and anonymous RSS back from 429 to 83 MiB within a second. While refusing, memory is checked every
 *    250 ms, so ingest resumes without waiting for traffic.
 */
import { readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

export interface MemoryLimiterOptions {
  /** `--memory-limit`: ingest is refused above 85% of it. */
  limitBytes: number
  /** `--max-inflight-bytes`: request-body bytes (compressed and inflated) held at once. */
  inflightBytes: number
  /** Memory in use, in bytes (default: anonymous RSS). */
  measure?: () => number
  /** Forces a full garbage collection (default: V8's, exposed at start-up). */
  gc?: () => void
  now?: () => number
}

export interface Refusal {
  cause: 'memory' | 'inflight'
  message: string
}

/** A request's share of the in-flight budget. */
export interface Lease {
  /**
   * Takes `bytes` more; false when the budget cannot cover them. A request alone in flight may go past
   * the budget (up to the body limit), or a budget smaller than one body would refuse it forever.
   */
  take(bytes: number): boolean
  /** Gives back everything taken. Safe to call twice. */
  release(): void
}

const SOFT = 0.85
const SAMPLE_MS = 50
const GC_EVERY_MS = 1000
const RECHECK_MS = 250

const MiB = (n: number) => Math.round(n / 2 ** 20)

export class MemoryLimiter {
  readonly limitBytes: number
  readonly inflightLimit: number
  private readonly measure: () => number
  private readonly gc: (() => void) | undefined
  private readonly now: () => number
  private inflight = 0
  private used = 0
  private sampledAt = Number.NEGATIVE_INFINITY
  private gcAt = Number.NEGATIVE_INFINITY
  private reason: string | undefined
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor(o: MemoryLimiterOptions) {
    this.limitBytes = o.limitBytes
    this.inflightLimit = o.inflightBytes
    this.measure = o.measure ?? anonymousRss
    this.gc = o.gc ?? exposedGc()
    this.now = o.now ?? (() => performance.now())
  }

  /** Request-body bytes held now. */
  get inflightBytes(): number {
    return this.inflight
  }

  /** Memory in use at the last sample, in bytes. */
  get usedBytes(): number {
    return this.used
  }

  /**
   * Why ingest is refused now, or undefined when it is not. Cheap on the hot path: memory is sampled at
   * most every 50 ms.
   */
  refusal(): string | undefined {
    if (this.now() - this.sampledAt >= SAMPLE_MS) this.check()
    return this.reason
  }

  /**
   * Takes `bytes` more for a request, or says why it is refused now: memory over the bound, or the
   * in-flight budget spent.
   */
  admit(lease: Lease, bytes: number): Refusal | undefined {
    const memory = this.refusal()
    if (memory) return { cause: 'memory', message: memory }
    if (lease.take(bytes)) return undefined
    return {
      cause: 'inflight',
      message: `${MiB(this.inflight)} MiB of request bodies in flight, the most --max-inflight-bytes allows is ${MiB(this.inflightLimit)} MiB; retry later`,
    }
  }

  lease(): Lease {
    let held = 0
    return {
      take: (bytes) => {
        if (this.inflight > held && this.inflight + bytes > this.inflightLimit) return false
        held += bytes
        this.inflight += bytes
        return true
      },
      release: () => {
        this.inflight -= held
        held = 0
      },
    }
  }

  private check(): void {
    this.sampledAt = this.now()
    this.used = this.measure()
    const soft = this.limitBytes * SOFT
    if (this.used <= soft) {
      this.reason = undefined
      return
    }
    if (this.gc && this.sampledAt - this.gcAt >= GC_EVERY_MS) {
      this.gcAt = this.sampledAt
      this.gc()
    }
    const { heapUsed, external } = process.memoryUsage()
    this.reason =
      `memory: ${MiB(this.used)} MiB in use, over 85% of --memory-limit ${MiB(this.limitBytes)} MiB ` +
      `(JS heap ${MiB(heapUsed)} MiB, buffers ${MiB(external)} MiB); retry later`
    // Look again soon, traffic or not: what a GC frees is given back to the system within a second.
    if (!this.timer && !this.stopped) {
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.refusal()
      }, RECHECK_MS)
      this.timer.unref?.()
    }
  }

  /** Stops the re-check timer. Safe to call twice. */
  shutdown(): void {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
  }
}

/** Anonymous resident memory (Linux: RssAnon in /proc/self/status); elsewhere the whole RSS. */
export function anonymousRss(): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'latin1'))
    if (m) return Number(m[1]) * 1024
  } catch {}
  return process.memoryUsage.rss()
}

/** V8's `gc()`, without `node --expose-gc`: the flag set at run time, the function read from a new context. */
function exposedGc(): (() => void) | undefined {
  const g = (globalThis as { gc?: () => void }).gc
  if (typeof g === 'function') return g
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
}
