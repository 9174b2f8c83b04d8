/**
 * Writer: the last stage. Inserts rows into one table through `@clickhouse/client`, retrying transient
 * failures with backoff. An insert either is done or fails with a coded SkeinError: STORAGE_REJECTED
 * when storage refuses the rows themselves (bad data, never retried), else STORAGE_UNAVAILABLE.
 *
 * `insertRowBinary` is what the write-ahead log's insert stage uses (loader.ts): rows already in RowBinary
 * (the log's records), with an `insert_deduplication_token`.
 *  - embedded (a `stagingDir` is given): the chunks are written into a file in the staging directory
 *    (tmpfs where there is one) and the engine reads it with `INSERT … SELECT … FROM file()`. The chDB
 *    connection only carries text bodies, and binary rows cost the engine less than parsing JSON.
 *  - server: the request body, as RowBinaryWithNamesAndTypes.
 * `insert` takes rows as arrays (the benchmark's ceiling and tests): RowBinary through a staging file when
 * there is one, else JSONCompactEachRow in the request body.
 *
 * The writer also keeps the staging directory clean, since it is what writes there: each batch file is
 * removed once its insert is done, `openStaging()` sweeps away the directories of processes that died
 * without closing, and `removeStaging()` removes this process's own on close.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { finished } from 'node:stream/promises'
import type { ClickHouseClient } from '@clickhouse/client'
import { skeinError } from '../errors.js'
import { isBadData } from '../storage/errors.js'
import { rowBinaryFor } from '../storage/rowbinary.js'

export interface Writer {
  insert(table: string, columns: readonly string[], rows: readonly unknown[][]): Promise<void>
  /**
   * Inserts rows already in RowBinary (the write-ahead log's records), given as chunks, with an
   * `insert_deduplication_token`: the same token again stores nothing (see loader.ts).
   */
  insertRowBinary(
    table: string,
    columns: readonly string[],
    chunks: readonly Buffer[],
    token: string,
  ): Promise<void>
}

export interface WriterOptions {
  /** Attempts in all, the first included. */
  attempts?: number
  /** First backoff; doubles each attempt, with jitter. */
  backoffMs?: number
  onRetry?: (error: unknown, attempt: number) => void
  /** Embedded engine: a private directory for RowBinary batch files (see the module comment). */
  stagingDir?: string
}

let stagedFiles = 0

const STAGING_PREFIX = 'skein-staging-'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Makes this process's staging directory, first removing those of processes that died without closing
 * (kill -9): their files were never acknowledged, so nothing in them is owed to anyone.
 */
export function openStaging(): string | undefined {
  try {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
    for (const name of readdirSync(base)) {
      const pid = name.startsWith(STAGING_PREFIX)
        ? Number(name.slice(STAGING_PREFIX.length).split('-')[0])
        : NaN
      if (pid > 0 && !alive(pid)) removeStaging(join(base, name))
    }
    return mkdtempSync(join(base, `${STAGING_PREFIX}${process.pid}-`))
  } catch {
    return undefined
  }
}

/** Removes a staging directory and whatever is left in it; only once no insert can be reading from it. */
export function removeStaging(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** Single-quoted SQL string literal. */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`

/**
 * Writes the batch as a RowBinary file and returns the statement that inserts it, plus a clean-up; or
 * undefined when these columns have no encoder or the file cannot be written (the caller sends JSON).
 */
function stageRowBinary(
  dir: string,
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
): { query: string; cleanup: () => void } | undefined {
  const rb = rowBinaryFor(columns)
  if (!rb) return undefined
  const path = join(dir, `${++stagedFiles}.rowbinary`)
  try {
    writeFileSync(path, rb.encode(rows))
  } catch {
    rmSync(path, { force: true })
    return undefined
  }
  const cols = columns.map((c) => `\`${c}\``).join(', ')
  return {
    query: `INSERT INTO ${table} (${cols}) SELECT * FROM file(${literal(path)}, 'RowBinary', ${literal(rb.structure)})`,
    cleanup: () => rmSync(path, { force: true }),
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Settings of a log segment's insert: its token, and the same deduplication for the views it feeds
 * (without it the trace-id view stored a replayed block twice, measured on chDB). `optimize_on_insert
 * = 0`: the trace summaries' view (storage/schema.ts) writes one row per trace of the block, so folding
 * rows of the same key at insert, as an AggregatingMergeTree does by default, finds nothing to fold and
 * cost 17 ms of an insert of 100k spans (engine insert with the summaries' view, alternated in one
 * process, median of 11: 230 against 213 ms); merges fold them later, and search aggregates at read
 * time anyway. The other tables are plain MergeTrees, where the setting does nothing. In the statement's text: on the embedded engine a
 * setting given aside becomes a `SET` statement of its own per insert.
 */
const dedupSettings = (token: string) =>
  `SETTINGS insert_deduplication_token = ${literal(token)}, deduplicate_blocks_in_dependent_materialized_views = 1, optimize_on_insert = 0`

/** Writes chunks into a new file of the staging directory. */
async function stageChunks(dir: string, chunks: readonly Buffer[]): Promise<string> {
  const path = join(dir, `${++stagedFiles}.rowbinary`)
  try {
    const file = await open(path, 'w')
    try {
      await file.writev(chunks as Buffer[])
    } finally {
      await file.close()
    }
  } catch (e) {
    rmSync(path, { force: true })
    throw e
  }
  return path
}

export function createWriter(client: ClickHouseClient, options: WriterOptions = {}): Writer {
  const attempts = options.attempts ?? 4
  const backoffMs = options.backoffMs ?? 100
  return {
    async insert(table, columns, rows) {
      if (rows.length === 0) return
      const staged = options.stagingDir ? stageRowBinary(options.stagingDir, table, columns, rows) : undefined
      try {
        await withRetries(
          staged
            ? () => client.command({ query: staged.query })
            : () =>
                client.insert({
                  table,
                  columns: columns as [string, ...string[]],
                  values: rows as unknown[][],
                  format: 'JSONCompactEachRow',
                }),
          table,
        )
      } finally {
        staged?.cleanup()
      }
    },
    async insertRowBinary(table, columns, chunks, token) {
      const rb = rowBinaryFor(columns)
      if (!rb) throw new TypeError(`no RowBinary encoding for the columns of ${table}`)
      const cols = columns.map((c) => `\`${c}\``).join(', ')
      const into = `INSERT INTO ${table} (${cols}) ${dedupSettings(token)}`
      if (!options.stagingDir) {
        // A server: the rows in the request body, the header saying their names and types.
        const query = `${into} FORMAT RowBinaryWithNamesAndTypes`
        await withRetries(async () => {
          const r = await client.exec({ query, values: Readable.from([rb.namesAndTypes, ...chunks]) })
          r.stream.resume()
          await finished(r.stream).catch(() => undefined)
        }, table)
        return
      }
      const dir = options.stagingDir
      let path: string
      try {
        path = await stageChunks(dir, chunks)
      } catch (e) {
        throw skeinError(
          'STORAGE_UNAVAILABLE',
          `cannot stage an insert in ${dir}: ${(e as Error).message}`,
          e,
        )
      }
      try {
        // One thread: the engine runs in this process, and an insert on every core starved the event
        // loop, which acknowledges requests (measured: event-loop stalls p99 55 ms, max 111 ms during a
        // 2M-row insert on 2 cores; 11 / 13 ms with one thread, and the insert no slower).
        const query = `${into}, max_threads = 1, max_insert_threads = 1 SELECT * FROM file(${literal(path)}, 'RowBinary', ${literal(rb.structure)})`
        await withRetries(() => client.command({ query }), table)
      } finally {
        rmSync(path, { force: true })
      }
    },
  }

  async function withRetries(insert: () => Promise<unknown>, table: string): Promise<void> {
    let lastError: unknown
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await insert()
        return
      } catch (e) {
        lastError = e
        if (isBadData(e)) {
          const msg = (e as Error).message?.split('\n')[0] ?? String(e)
          throw skeinError('STORAGE_REJECTED', `storage refused the data: ${msg}`, e)
        }
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
  }
}

/**
 * Several writers used side by side, each at most one insert at a time: on the embedded engine a
 * connection runs one statement at a time, so inserts in parallel need a connection each.
 */
export function poolWriters(writers: Writer[]): Writer {
  if (writers.length === 1) return writers[0]
  const idle = [...writers]
  const waiting: ((w: Writer) => void)[] = []
  const acquire = () =>
    new Promise<Writer>((resolve) => (idle.length ? resolve(idle.pop() as Writer) : waiting.push(resolve)))
  const release = (w: Writer) => {
    const next = waiting.shift()
    if (next) next(w)
    else idle.push(w)
  }
  return {
    async insert(table, columns, rows) {
      const w = await acquire()
      try {
        await w.insert(table, columns, rows)
      } finally {
        release(w)
      }
    },
    async insertRowBinary(table, columns, chunks, token) {
      const w = await acquire()
      try {
        await w.insertRowBinary(table, columns, chunks, token)
      } finally {
        release(w)
      }
    },
  }
}
