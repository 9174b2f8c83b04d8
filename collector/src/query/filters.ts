/**
 * Conditions shared by the span and log queries, built once from parsed parameters. The time range comes
 * first in every WHERE so ClickHouse prunes partitions (toDate(Timestamp)) and primary-key ranges
 * (toDateTime(Timestamp) is monotonic in Timestamp, so a Timestamp bound is usable on the key).
 */
import type { Status } from '@skein/model'
import { badParam, msToNs, type TimeRange } from './params.js'
import { type Fragment, p, sql } from './sql.js'

/** Names of tables as fragments; `Db.table` in the server, a constant in SQL snapshot tests. */
export type TableFn = (name: string) => Fragment

/** `Timestamp` within [start, end), on nanosecond bounds. */
export function spanTime(range: TimeRange): Fragment {
  const from = p.Int64(msToNs(range.startMs))
  const to = p.Int64(msToNs(range.endMs))
  return sql`Timestamp >= fromUnixTimestamp64Nano(${from}) AND Timestamp < fromUnixTimestamp64Nano(${to})`
}

/**
 * The spans that are requests of their service: kind Server or Consumer, or roots (no parent: a job, a
 * CLI run, a service that is not instrumented as a server). Client and Internal spans under them are
 * parts of a request, and counting them would count one request several times (and a failed client
 * call that was handled as a failed request). The one definition, for RED series and alert rules alike.
 */
export const ENTRY_SPAN: Fragment = sql`(SpanKind IN ('Server', 'Consumer') OR ParentSpanId = '')`
/** ENTRY_SPAN on `skein_spans_by_service`, where Root is ParentSpanId = '' (storage/schema.ts). */
export const ENTRY_ROW: Fragment = sql`(SpanKind IN ('Server', 'Consumer') OR Root = 1)`
/**
 * Spans by service, operation and time (storage/schema.ts spansByServiceTable): the narrow copy the
 * per-service aggregates read, with the span table's own columns for what they ask.
 */
export const BY_SERVICE = 'skein_spans_by_service'

/**
 * Logs are keyed by (ServiceName, TimestampTime): bound that second-resolution column for the key and
 * partitions, and Timestamp for the exact edges.
 */
export function logTime(range: TimeRange): Fragment {
  const fromS = Math.floor(range.startMs / 1000)
  const toS = Math.ceil(range.endMs / 1000)
  return sql`TimestampTime >= toDateTime(${p.Int64(fromS)}) AND TimestampTime <= toDateTime(${p.Int64(toS)})
      AND ${spanTime(range)}`
}

/** `status` parameter (declared in @skein/model) → the exporter's StatusCode spelling. */
export const STATUS: Readonly<Record<Status, string>> = { error: 'Error', ok: 'Ok', unset: 'Unset' }
export type { Status }

export interface Attr {
  key: string
  value: string
}

/** Repeatable `attr=key=value`: split at the first `=`; the value may be empty, the key may not. */
export function attrs(values: readonly string[] = []): Attr[] {
  return values.map((a) => {
    const i = a.indexOf('=')
    if (i <= 0) badParam('attr', `expected key=value, got ${JSON.stringify(a.slice(0, 100))}`)
    if (a.length > 2048) badParam('attr', 'longer than 2048 characters')
    return { key: a.slice(0, i), value: a.slice(i + 1) }
  })
}

/**
 * A span or resource attribute equal to a value. `mapContains` first: `m[k]` is '' for a missing key, so
 * `attr=k=` would otherwise match every span without `k`.
 */
export function attrCondition(a: Attr): Fragment {
  const k = p.String(a.key)
  const v = p.String(a.value)
  return sql`((mapContains(SpanAttributes, ${k}) AND SpanAttributes[${k}] = ${v}) OR (mapContains(ResourceAttributes, ${k}) AND ResourceAttributes[${k}] = ${v}))`
}

/** Duration bounds in ms → ns as exact decimal strings (UInt64 parameters). */
export function msToDurationNs(ms: number): string {
  return BigInt(Math.round(ms * 1e6)).toString()
}
