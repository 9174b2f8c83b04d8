/**
 * The last check of decoded rows before they reach storage: every nanosecond timestamp must be one that
 * a DateTime64(9) column takes (19 digits, 2001-09-09 to 2262-04-11). A bad value would make ClickHouse
 * refuse the whole insert — and with it other clients' rows in the same batch — so it is settled here:
 * a span without a usable start time is rejected (OTLP partial success); an event keeps its span's
 * start; a log record without a usable time gets the time it was received, as the OTel Collector does
 * with observed time.
 */
import type { Decoded, LogRow, SpanRow } from '../rows.js'

const MAX_NS = '9223372036854775807'

/** True for a decimal string of Unix nanoseconds inside DateTime64(9)'s range. */
export function isStorableNs(ns: string): boolean {
  return ns.length === 19 && ns[0] !== '0' && ns <= MAX_NS
}

export function nowNs(): string {
  return `${BigInt(Date.now()) * 1_000_000n}`
}

export function settleSpans(d: Decoded<SpanRow>): Decoded<SpanRow> {
  let bad = 0
  for (const row of d.rows) {
    if (!isStorableNs(row[0])) {
      bad++
      continue
    }
    // Duration is end - start; an end outside the range can make it huge: not representable, so 0.
    if (!(row[12] >= 0 && row[12] <= Number.MAX_SAFE_INTEGER)) row[12] = 0
    const ev = row[15]
    for (let i = 0; i < ev.length; i++) if (!isStorableNs(ev[i])) ev[i] = row[0]
  }
  if (bad === 0) return d
  return {
    rows: d.rows.filter((r) => isStorableNs(r[0])),
    rejected: d.rejected + bad,
    rejectReason: d.rejectReason ?? 'span start time missing or out of range (2001-2262)',
  }
}

/**
 * A log line without a storable time is stored at the time it arrived; a severity number outside what the
 * UInt8 column holds (OTLP defines 0–24) becomes 0, unspecified, rather than wrapping around.
 */
export function settleLogs(d: Decoded<LogRow>): Decoded<LogRow> {
  let now: string | undefined
  for (const row of d.rows) {
    if (!isStorableNs(row[0])) row[0] = now ??= nowNs()
    if (!(row[5] >= 0 && row[5] <= 255)) row[5] = 0
  }
  return d
}

/** Unix nanoseconds (19 digits) of the oldest time the retention keeps: rows before it expire at once. */
export function retentionCutoffNs(retentionDays: number, nowMs = Date.now()): string {
  return `${BigInt(Math.floor(nowMs - retentionDays * 86_400_000)) * 1_000_000n}`
}

/**
 * Rows whose time (column 0, storable nanoseconds) is older than the retention are rejected rather than
 * stored: the TTL would delete them within seconds, and a 2xx for them would be a promise not kept.
 * OTLP clients hear it through partial success; a Loki push gets a 400 naming it (as Loki answers
 * "timestamp too old"), after the rest of its lines are stored.
 */
export function rejectExpired<R extends [string, ...unknown[]]>(
  d: Decoded<R>,
  cutoffNs: string,
  retentionDays: number,
): Decoded<R> & { expired: number } {
  let expired = 0
  for (const row of d.rows) if (row[0] < cutoffNs) expired++
  if (expired === 0) return { ...d, expired }
  return {
    rows: d.rows.filter((r) => r[0] >= cutoffNs),
    rejected: d.rejected + expired,
    rejectReason:
      d.rejectReason ??
      `${expired} item${expired === 1 ? '' : 's'} older than the retention (${retentionDays} days) not stored`,
    expired,
  }
}

/** Unix nanoseconds (19 digits) of the latest time accepted: rows after it are too far in the future. */
export function futureCutoffNs(maxFutureMs: number, nowMs = Date.now()): string {
  return `${BigInt(Math.floor(nowMs + maxFutureMs)) * 1_000_000n}`
}

/**
 * Rows whose time (column 0, storable nanoseconds) is after `cutoffNs` are rejected rather than stored, as
 * Loki refuses lines past its creation grace period: a clock far ahead is a client's error, and each day
 * is a partition of its own, so one request with rows on more than 100 days would make the engine refuse
 * the whole insert — with the other requests batched with it (issue 18.4). Told as `rejectExpired` tells.
 */
export function rejectFuture<R extends [string, ...unknown[]]>(
  d: Decoded<R>,
  cutoffNs: string,
  maxFuture: string,
): Decoded<R> & { future: number } {
  let future = 0
  for (const row of d.rows) if (row[0] > cutoffNs) future++
  if (future === 0) return { ...d, future }
  return {
    rows: d.rows.filter((r) => r[0] <= cutoffNs),
    rejected: d.rejected + future,
    rejectReason:
      d.rejectReason ??
      `${future} item${future === 1 ? '' : 's'} more than ${maxFuture} in the future not stored`,
    future,
  }
}
