/**
 * Writer: the last stage. Inserts one batch of rows into one table through `@clickhouse/client`
 * (JSONCompactEachRow, the fastest JSON format measured here), retrying transient failures with
 * backoff. A batch either is inserted or fails with a retryable SkeinError: never half-acknowledged.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { skeinError } from '../errors.js'

export interface Writer {
  insert(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>
}

export interface WriterOptions {
  /** Attempts in all, the first included. */
  attempts?: number
  /** First backoff; doubles each attempt, with jitter. */
  backoffMs?: number
  onRetry?: (error: unknown, attempt: number) => void
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export function createWriter(client: ClickHouseClient, options: WriterOptions = {}): Writer {
  const attempts = options.attempts ?? 4
  const backoffMs = options.backoffMs ?? 100
  return {
    async insert(table, columns, rows) {
      if (rows.length === 0) return
      let lastError: unknown
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          await client.insert({
            table,
            columns: columns as [string, ...string[]],
            values: rows as unknown[][],
            format: 'JSONCompactEachRow',
          })
          return
        } catch (e) {
          lastError = e
          if (attempt < attempts) {
            options.onRetry?.(e, attempt)
            await sleep(backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2))
          }
        }
      }
      const msg = (lastError as Error)?.message?.split('\n')[0] ?? String(lastError)
      throw skeinError(
        'STORAGE_UNAVAILABLE',
        `storage did not accept the insert into ${table}: ${msg}`,
        lastError,
      )
    },
  }
}
