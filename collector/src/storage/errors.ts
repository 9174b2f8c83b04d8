/**
 * What a ClickHouse failure means, decided in this one place for the writer and the query side alike
 * (`storageFailure`); the writer acts on it through `isBadData` (pipeline/writer.ts), the query side
 * through `queryError`:
 *
 * - `timeout`: a statement stopped for its time limit. A query answers 503 QUERY_TIMEOUT; an insert is
 *   retried.
 * - `overloaded`: the engine is too busy now (memory, simultaneous queries, too many parts): a query
 *   answers 503 STORAGE_UNAVAILABLE with Retry-After (it was a 500), an insert is retried.
 * - `unavailable`: storage cannot be reached or is not itself (network, replicas, Keeper): as overloaded.
 * - `rejected`: the statement or its rows fail the same way however often they are sent: an insert's rows
 *   are bad data (STORAGE_REJECTED at once; the write-ahead log's insert stage splits them out, pipeline/loader.ts), a query
 *   that fails so is our bug (500 without details).
 * - `other`: none of these. An insert is retried (the rows are not known to be bad, so they are kept),
 *   a query answers 500.
 */
import { type SkeinError, skeinError } from '../errors.js'

export type StorageFailure = 'timeout' | 'overloaded' | 'unavailable' | 'rejected' | 'other'

/** The numeric ClickHouse error code of a failure (`@clickhouse/client` gives it as a string), if any. */
export function clickhouseCode(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code
  if (typeof code === 'number') return code
  return typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : undefined
}

const KIND_OF_CODE = new Map<number, StorageFailure>([
  // TIMEOUT_EXCEEDED, TOO_SLOW, QUERY_WAS_CANCELLED
  ...[159, 160, 394].map((c) => [c, 'timeout'] as const),
  // TOO_MANY_SIMULTANEOUS_QUERIES, NO_FREE_CONNECTION, MEMORY_LIMIT_EXCEEDED, TOO_MANY_PARTS (but see
  // below), CANNOT_SCHEDULE_TASK
  ...[202, 203, 241, 252, 439].map((c) => [c, 'overloaded'] as const),
  // SOCKET_TIMEOUT, NETWORK_ERROR, ABORTED, TABLE_IS_READ_ONLY (a replica without Keeper),
  // TOO_FEW_LIVE_REPLICAS, UNKNOWN_STATUS_OF_INSERT, SYSTEM_ERROR, KEEPER_EXCEPTION, POCO_EXCEPTION,
  // STD_EXCEPTION
  ...[209, 210, 236, 242, 285, 319, 425, 999, 1000, 1001].map((c) => [c, 'unavailable'] as const),
  // UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, IP_ADDRESS_NOT_ALLOWED, ACCESS_DENIED,
  // AUTHENTICATION_FAILED: storage refuses *us*, not the rows. Called bad data, a wrong password would
  // answer every insert 400 and exporters would drop the data; unavailable, it is retried (the write-ahead log holds the rows)
  // until an operator fixes the credentials, and queries answer 503.
  ...[192, 193, 194, 195, 497, 516].map((c) => [c, 'unavailable'] as const),
  // READONLY: a write on a read-only connection, or by a read-only user. Not the rows' fault (an insert
  // is retried, the log holding the rows, until an operator fixes the user) nor a passing state (a query that meets it
  // is our bug).
  [164, 'other'],
])

/**
 * Code 252 (TOO_MANY_PARTS) names two different things: a table with more active parts than merges keep
 * up with (transient: wait) and an insert whose rows span more partitions than
 * `max_partitions_per_insert_block` (the data's fault: one request with spans on 101 different days
 * fails every time, and retrying it held the other requests of its batch hostage; issue 18.4).
 */
const REJECTED_MESSAGES = [/too many partitions for single insert block/i]

/** Failures without a ClickHouse code that say the connection is gone (chDB says "closed"). */
const NETWORK = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|socket hang up|closed/i

/** What a failure of a ClickHouse statement means; see the module comment. */
export function storageFailure(e: unknown): StorageFailure {
  const code = clickhouseCode(e)
  const message = (e as Error)?.message ?? ''
  if (code === undefined) {
    const errno = (e as { code?: unknown })?.code
    return NETWORK.test(`${typeof errno === 'string' ? errno : ''} ${message}`) ? 'unavailable' : 'other'
  }
  if (REJECTED_MESSAGES.some((re) => re.test(message))) return 'rejected'
  return KIND_OF_CODE.get(code) ?? 'rejected'
}

/** True when an insert failed because of the rows themselves: retrying will not help. */
export function isBadData(e: unknown): boolean {
  return storageFailure(e) === 'rejected'
}

export function isQueryTimeout(e: unknown): boolean {
  return storageFailure(e) === 'timeout'
}

/**
 * The coded error a failed query answers with. The engine's own message never reaches the client (it may
 * quote the query); the error's name does when storage is overloaded, so the client knows what to wait
 * for.
 */
export function queryError(e: unknown, timeoutMs: number): SkeinError {
  switch (storageFailure(e)) {
    case 'timeout':
      return skeinError(
        'QUERY_TIMEOUT',
        `the query took longer than ${timeoutMs} ms; narrow the time range or filters`,
        e,
      )
    case 'overloaded': {
      const type = (e as { type?: unknown })?.type
      const what = typeof type === 'string' && /^[A-Z0-9_]+$/.test(type) ? type : `error ${clickhouseCode(e)}`
      return skeinError('STORAGE_UNAVAILABLE', `storage is too busy to answer (${what}); retry later`, e)
    }
    case 'unavailable':
      return skeinError('STORAGE_UNAVAILABLE', undefined, e)
    default:
      return skeinError('INTERNAL', 'query failed', e)
  }
}
