/**
 * The read side's access to storage: runs built fragments on the query client with a server-side time
 * limit, and maps failures to coded errors as storage/errors.ts classifies them for reads and writes
 * alike (a timeout, busy or unreachable storage → 503; anything else is our bug → 500 without details).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { queryError } from '../storage/errors.js'
import { build, type Fragment, trusted } from './sql.js'

export interface Db {
  rows<T>(fragment: Fragment): Promise<T[]>
  /** A table of the schema's database, as a fragment (names are code constants). */
  table(name: string): Fragment
  readonly timeoutMs: number
}

/**
 * @param clients query connections; each query goes to the least busy one, so that the independent
 *   queries of one request (a trace's spans and its logs) run side by side on the embedded engine.
 */
export function createDb(
  clients: ClickHouseClient | ClickHouseClient[],
  tableName: (name: string) => string,
  timeoutMs: number,
  options: { sessionSettings?: boolean } = {},
): Db {
  const settings = { max_execution_time: Math.max(1, Math.ceil(timeoutMs / 1000)), readonly: 2 }
  // On the embedded engine a connection is a session whose settings persist, and each per-query setting
  // costs a `SET` statement before every query: set them once per connection instead. A server over
  // HTTP keeps no session state, so there they go with every query.
  const once = options.sessionSettings === true
  const pool = (Array.isArray(clients) ? clients : [clients]).map((client) => ({
    client,
    busy: 0,
    ready: undefined as Promise<unknown> | undefined,
  }))
  return {
    timeoutMs,
    table: (name) => trusted(tableName(name)),
    async rows<T>(fragment: Fragment): Promise<T[]> {
      const { query, query_params } = build(fragment)
      const slot = pool.reduce((a, b) => (b.busy < a.busy ? b : a))
      slot.busy++
      try {
        if (once) {
          slot.ready ??= slot.client.command({
            query: `SET max_execution_time = ${settings.max_execution_time}, readonly = ${settings.readonly}`,
          })
          await slot.ready
        }
        const rs = await slot.client.query({
          query,
          query_params,
          format: 'JSONEachRow',
          ...(once ? {} : { clickhouse_settings: { ...settings, readonly: '2' } }),
        })
        return (await rs.json()) as T[]
      } catch (e) {
        throw queryError(e, timeoutMs)
      } finally {
        slot.busy--
      }
    },
  }
}
