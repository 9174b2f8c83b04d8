/**
 * Storage: every database access goes through `@clickhouse/client`, on one of two engines — embedded
 * chDB (in-process, `--data-dir`) or a ClickHouse server (`--clickhouse-url`). Two clients: one for
 * ingestion, one for queries and alerts, because one chDB connection runs one statement at a time and a
 * slow query must not stall inserts.
 *
 * Lifecycle: `openStorage()` connects and migrates; `close()` waits for in-flight statements (chDB
 * aborts the whole process if a connection closes under a running statement), then closes. Safe twice.
 * Only the server's shutdown calls it: the parts plugged into the collector are handed roles carved from
 * storage (a `Db` for read-only queries, an `InsertRow` per table of their own), never a client.
 */
import { accessSync, constants, mkdirSync } from 'node:fs'
import {
  type ClickHouseClient,
  ClickHouseLogLevel,
  type ClickHouseSettings,
  createClient,
} from '@clickhouse/client'
import type { Config } from '../config.js'
import { skeinError } from '../errors.js'
import { openStaging, removeStaging } from '../pipeline/writer.js'
import { build, join, type SqlValue, sql, trusted } from '../query/sql.js'
import { createDatabase, localName, MIGRATIONS, type SchemaOptions, versionTable } from './schema.js'

/** Skein's own tables that the parts plugged into the collector write (the alerts plugin's). */
export type SkeinTable = 'skein_alert_rules' | 'skein_alert_events'

/**
 * Appends one row to one of Skein's own tables: one typed parameter (or code-owned expression) per
 * column, in the order the inserter was made with. The statement is always `INSERT INTO <that table>
 * (<those columns>) SELECT …`, so whoever holds it can neither read, alter nor drop anything, nor reach
 * the connection it runs on.
 */
export type InsertRow = (values: readonly SqlValue[]) => Promise<void>

/** Makes an `InsertRow` for one of Skein's own tables; `columns` are code constants. */
export type SkeinInserter = (table: SkeinTable, columns: readonly string[]) => InsertRow

export interface Storage {
  readonly mode: 'embedded' | 'server'
  /** Inserts of spans (and schema changes). */
  readonly ingest: ClickHouseClient
  /**
   * Inserts of logs. A connection of its own on the embedded engine, which runs one statement at a time
   * per connection: span and log inserts then proceed side by side instead of queueing behind each other.
   */
  readonly ingestLogs: ClickHouseClient
  /** Clients for inserts run side by side, per signal (the first of each is `ingest` / `ingestLogs`). */
  readonly insertClients: { spans: ClickHouseClient[]; logs: ClickHouseClient[] }
  /** Queries and alert state. */
  readonly query: ClickHouseClient
  /** Connections for queries run side by side (the first is `query`). */
  readonly queryClients: ClickHouseClient[]
  readonly schema: SchemaOptions
  /**
   * Embedded engine: a private directory (on tmpfs where there is one) for the writer's RowBinary batch
   * files, made and cleaned by the writer's `openStaging` / `removeStaging` (removed on close). Undefined
   * on a server, or when no such directory could be made.
   */
  readonly stagingDir?: string
  /** Fully qualified, quoted name of a table to read from or insert into (Distributed on a cluster). */
  table(name: string): string
  /**
   * Inserts into Skein's own tables, on the ingest connection: on chDB the query connections' sessions
   * are `readonly` (see query/db.ts) and refuse every write.
   */
  readonly inserter: SkeinInserter
  /** Waits for in-flight statements, then closes every connection. For the server's shutdown only. */
  close(): Promise<void>
}

/**
 * No default settings: on the embedded engine every setting becomes a `SET` statement run before each
 * insert and query (measured: about a third more time per small insert).
 */
const COMMON_SETTINGS: ClickHouseSettings = {}

interface Clients {
  ingest: ClickHouseClient
  ingestLogs: ClickHouseClient
  query: ClickHouseClient
  queryClients: ClickHouseClient[]
  insertClients: { spans: ClickHouseClient[]; logs: ClickHouseClient[] }
}

async function chdbClients(dataDir: string, concurrency: number): Promise<Clients> {
  try {
    mkdirSync(dataDir, { recursive: true })
    accessSync(dataDir, constants.W_OK)
  } catch (e) {
    throw skeinError(
      'CONFIG',
      `data dir ${dataDir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose another with --data-dir`,
    )
  }
  const { createChdbConnection } = await import('chdb/connection')
  const make = () =>
    createClient({
      connection: createChdbConnection({ path: dataDir }),
      clickhouse_settings: COMMON_SETTINGS,
      log: { level: ClickHouseLogLevel.OFF },
    } as Parameters<typeof createClient>[0])
  const spans = Array.from({ length: concurrency }, make)
  const logs = Array.from({ length: concurrency }, make)
  const queries = [make(), make()]
  return {
    ingest: spans[0],
    ingestLogs: logs[0],
    query: queries[0],
    queryClients: queries,
    insertClients: { spans, logs },
  }
}

function serverClients(c: NonNullable<Config['clickhouse']>, cluster: boolean): Clients {
  const make = (maxOpen: number) =>
    createClient({
      url: c.url,
      username: c.user,
      password: c.password,
      max_open_connections: maxOpen,
      request_timeout: 60_000,
      compression: { request: false, response: true },
      // On a cluster, a Distributed insert must reach its shard before we acknowledge: a 2xx means stored.
      clickhouse_settings: cluster
        ? { ...COMMON_SETTINGS, distributed_foreground_insert: 1 }
        : COMMON_SETTINGS,
      // Failures surface as coded errors and one log line of ours, not the client's multi-line dumps.
      log: { level: ClickHouseLogLevel.OFF },
    })
  const ingest = make(8)
  // On a server one pooled client serves both signals: the server runs its statements side by side.
  const query = make(8)
  return {
    ingest,
    ingestLogs: ingest,
    query,
    queryClients: [query],
    insertClients: { spans: [ingest], logs: [ingest] },
  }
}

const COLUMN = /^[A-Za-z_][A-Za-z0-9_]*$/

function insertRow(client: ClickHouseClient, table: string, columns: readonly string[]): InsertRow {
  for (const c of columns) if (!COLUMN.test(c)) throw new TypeError(`not a column name: ${c}`)
  const into = trusted(`INSERT INTO ${table} (${columns.join(', ')})`)
  return async (values) => {
    if (values.length !== columns.length)
      throw new TypeError(`${columns.length} columns of ${table}, ${values.length} values`)
    const row = join(
      values.map((v) => sql`${v}`),
      ', ',
    )
    await client.command(build(sql`${into} SELECT ${row}`))
  }
}

async function migrate(client: ClickHouseClient, o: SchemaOptions): Promise<void> {
  await client.command({ query: createDatabase(o) })
  await client.command({ query: versionTable(o) })
  const rs = await client.query({
    query: `SELECT max(Version) AS v FROM \`${o.database}\`.\`${localName(o, 'skein_schema_version')}\``,
    format: 'JSONEachRow',
  })
  const [{ v }] = (await rs.json()) as { v: number | string }[]
  const current = Number(v) || 0
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue
    for (const statement of m.statements(o)) await client.command({ query: statement })
    await client.insert({
      table: `\`${o.database}\`.\`${localName(o, 'skein_schema_version')}\``,
      values: [{ Version: m.version, Description: m.description }],
      format: 'JSONEachRow',
    })
  }
}

export async function openStorage(config: Config): Promise<Storage> {
  const schema: SchemaOptions = {
    database: config.database,
    retentionDays: config.retentionDays,
    cluster: config.cluster,
  }
  const mode = config.clickhouse ? 'server' : 'embedded'
  const { ingest, ingestLogs, query, queryClients, insertClients } = config.clickhouse
    ? serverClients(config.clickhouse, config.cluster !== undefined)
    : await chdbClients(config.dataDir, config.insertConcurrency)
  const all = [
    ...new Set([ingest, ingestLogs, ...queryClients, ...insertClients.spans, ...insertClients.logs]),
  ]
  try {
    await migrate(ingest, schema)
  } catch (e) {
    await Promise.allSettled(all.map((c) => c.close()))
    const msg = (e as Error).message?.split('\n')[0] ?? String(e)
    if (config.clickhouse) {
      throw skeinError(
        'CONFIG',
        `cannot reach ClickHouse at ${config.clickhouse.url}: ${msg} (check --clickhouse-url, --clickhouse-user, --clickhouse-password)`,
        e,
      )
    }
    throw skeinError(
      'CONFIG',
      `cannot open the embedded store in ${config.dataDir}: ${msg} (is another skein using this --data-dir?)`,
      e,
    )
  }
  const stagingDir = mode === 'embedded' ? openStaging() : undefined
  const table = (name: string) => `\`${schema.database}\`.\`${name}\``
  let closed: Promise<void> | undefined
  return {
    mode,
    stagingDir,
    ingest,
    ingestLogs,
    insertClients,
    query,
    queryClients,
    schema,
    table,
    inserter: (name, columns) => insertRow(ingest, table(name), columns),
    close() {
      closed ??= (async () => {
        if (mode === 'embedded') {
          const { drainPending } = await import('chdb')
          await drainPending()
        }
        await Promise.allSettled(all.map((c) => c.close()))
        // Only now: until the engine has drained, a statement may still be reading a batch file.
        if (stagingDir) removeStaging(stagingDir)
      })()
      return closed
    },
  }
}
