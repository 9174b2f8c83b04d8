/**
 * What a ClickHouse failure means, decided in this one place: bad data (an insert that fails the same way
 * however often it is retried: the writer fails it at once as STORAGE_REJECTED and the batcher isolates
 * the request that caused it), a query over its time limit, or a transient condition worth retrying
 * (overload, too many parts, memory, network, replication). An error without a ClickHouse code
 * (connection refused, reset) is transient.
 */

/** The numeric ClickHouse error code of a failure (`@clickhouse/client` gives it as a string), if any. */
export function clickhouseCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code
  if (typeof code === 'number') return code
  return typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined
}

/**
 * Codes that mean "later" rather than "this data is bad": timeouts (159, 160, 209, 210), overload and
 * limits (202, 203, 236, 241, 242), too many parts (252, but see below), network, replication and
 * Keeper trouble (164, 285, 319, 394, 425, 439, 999–1001).
 */
const TRANSIENT_CODES = new Set([
  159, 160, 164, 202, 203, 209, 210, 236, 241, 242, 252, 285, 319, 394, 425, 439, 999, 1000, 1001,
])

/**
 * Code 252 (TOO_MANY_PARTS) names two different things: a table with more active parts than merges keep
 * up with (transient: wait) and an insert whose rows span more partitions than
 * `max_partitions_per_insert_block` (the data's fault: one request with spans on 101 different days
 * fails every time, and retrying it held the other requests of its batch hostage; issue 18.4).
 */
const BAD_DATA_MESSAGES = [/too many partitions for single insert block/i]

/** True when an insert failed because of the rows themselves: retrying will not help. */
export function isBadData(e: unknown): boolean {
  const code = clickhouseCode(e)
  if (code === undefined) return false
  if (!TRANSIENT_CODES.has(code)) return true
  const message = (e as Error)?.message ?? ''
  return BAD_DATA_MESSAGES.some((re) => re.test(message))
}

/** Codes of a query stopped for its time limit: TIMEOUT_EXCEEDED, TOO_SLOW, QUERY_WAS_CANCELLED. */
const TIMEOUT_CODES = new Set([159, 160, 394])

export function isQueryTimeout(e: unknown): boolean {
  const code = clickhouseCode(e)
  return code !== undefined && TIMEOUT_CODES.has(code)
}
