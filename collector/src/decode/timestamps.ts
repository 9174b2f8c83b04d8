/**
 * The last check of decoded rows before they reach storage: every nanosecond timestamp must be one that
 * a DateTime64(9) column takes (19 digits, 2001-09-09 to 2262-04-11). A bad value would make ClickHouse
 * refuse the whole insert — and with it other clients' rows in the same batch — so it is settled here:
 * a span without a usable start time is rejected (OTLP partial success); an event keeps its span's
 * start; a log record without a usable time gets the time it was received, as the OTel Collector does
 * with observed time.
 */
import { type Decoded, L, type LogRow, S, type SpanRow } from '../rows.js'

/** Both tables start with Timestamp, so the checks below that serve either read it here. */
const TIMESTAMP = S.Timestamp satisfies typeof L.Timestamp
type Timed = [string, ...unknown[]]

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
    const start = row[S.Timestamp]
    if (!isStorableNs(start)) {
      bad++
      continue
    }
    // Duration is end - start; an end outside the range can make it huge: not representable, so 0.
    const duration = row[S.Duration]
    if (!(duration >= 0 && duration <= Number.MAX_SAFE_INTEGER)) row[S.Duration] = 0
    const ev = row[S['Events.Timestamp']]
    for (let i = 0; i < ev.length; i++) if (!isStorableNs(ev[i])) ev[i] = start
  }
  if (bad === 0) return d
  return {
    rows: d.rows.filter((r) => isStorableNs(r[S.Timestamp])),
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
    if (!isStorableNs(row[L.Timestamp])) row[L.Timestamp] = now ??= nowNs()
    const severity = row[L.SeverityNumber]
    if (!(severity >= 0 && severity <= 255)) row[L.SeverityNumber] = 0
  }
  return d
}

/** Unix nanoseconds (19 digits) of the oldest time the retention keeps: rows before it expire at once. */
export function retentionCutoffNs(retentionDays: number, nowMs = Date.now()): string {
  return `${BigInt(Math.floor(nowMs - retentionDays * 86_400_000)) * 1_000_000n}`
}

/**
 * Rows whose time (storable nanoseconds) is older than the retention are rejected rather than stored: the
 * TTL would delete them within seconds, and a 2xx for them would be a promise not kept. OTLP clients hear
 * it through partial success; a Loki push gets a 400 naming it (as Loki answers "timestamp too old"),
 * after the rest of its lines are stored.
 */
export function rejectExpired<R extends Timed>(d: Decoded<R>, cutoffNs: string, retentionDays: number) {
  const kept = rejectBeyond(d, cutoffNs, false, `older than the retention (${retentionDays} days) not stored`)
  return { ...kept, expired: kept.rejected - d.rejected }
}

/** Unix nanoseconds (19 digits) of the latest time accepted: rows after it are too far in the future. */
export function futureCutoffNs(maxFutureMs: number, nowMs = Date.now()): string {
  return `${BigInt(Math.floor(nowMs + maxFutureMs)) * 1_000_000n}`
}

/**
 * Rows whose time (storable nanoseconds) is after `cutoffNs` are rejected rather than stored, as Loki
 * refuses lines past its creation grace period: a clock far ahead is a client's error, and each day is a
 * partition of its own, so one request with rows on more than 100 days would make the engine refuse the
 * whole insert — with the other requests batched with it (issue 18.4). Told as `rejectExpired` tells.
 */
export function rejectFuture<R extends Timed>(d: Decoded<R>, cutoffNs: string, maxFuture: string) {
  const kept = rejectBeyond(d, cutoffNs, true, `more than ${maxFuture} in the future not stored`)
  return { ...kept, future: kept.rejected - d.rejected }
}

/**
 * `d` without the rows whose time is before `cutoffNs` (after it, if `after`), counted as rejected and,
 * unless an earlier reason stands, told as '<n> items <reason>'; `d` itself when there are none.
 * Same-length decimal strings compare as their numbers.
 */
function rejectBeyond<R extends Timed>(d: Decoded<R>, cutoffNs: string, after: boolean, reason: string) {
  let n = 0
  for (const row of d.rows) if (after ? row[TIMESTAMP] > cutoffNs : row[TIMESTAMP] < cutoffNs) n++
  if (n === 0) return d
  return {
    rows: d.rows.filter((r) => (after ? r[TIMESTAMP] <= cutoffNs : r[TIMESTAMP] >= cutoffNs)),
    rejected: d.rejected + n,
    rejectReason: d.rejectReason ?? `${n} item${n === 1 ? '' : 's'} ${reason}`,
  }
}
