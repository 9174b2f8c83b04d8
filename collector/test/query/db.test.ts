/**
 * How the read side answers when storage fails a query. Regression (issue 19, item 3): a query that
 * ClickHouse stopped for lack of memory was answered 500 SKEIN_ERR_INTERNAL, although the same error on
 * an insert was retried; it is storage being busy, so the answer is 503 with Retry-After.
 *
 * Real chDB throughout: the query connection is starved of memory with the engine's own setting
 * (`max_memory_usage`), so the error is the engine's, as @clickhouse/client raises it.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ClickHouseClient, createClient } from '@clickhouse/client'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createApiServer } from '../../src/query/api.js'
import { createDb, type Db } from '../../src/query/db.js'
import { sql } from '../../src/query/sql.js'
import { openStorage, type Storage } from '../../src/storage/storage.js'

const dataDir = join(mkdtempSync(join(tmpdir(), 'skein-db-')), 'data')
let storage: Storage
let starved: ClickHouseClient
let db: Db
let app: FastifyInstance

beforeAll(async () => {
  const config = loadConfig({ dataDir }, {})
  storage = await openStorage(config)
  await storage.ingest.command({
    query: `INSERT INTO ${storage.table('otel_traces')} (Timestamp, ServiceName, SpanName)
      SELECT now64(9) - number, concat('svc-', toString(number % 50)), 'op' FROM numbers(20000)`,
  })
  // A second connection to the same data, as the server opens its query connections, whose session may
  // use almost no memory: every query it runs over the spans above is stopped by the engine.
  const { createChdbConnection } = await import('chdb/connection')
  starved = createClient({ connection: createChdbConnection({ path: dataDir }) } as Parameters<
    typeof createClient
  >[0])
  await starved.command({ query: 'SET max_memory_usage = 1, max_untracked_memory = 1' })
  db = createDb([starved], storage.table, 5000, { sessionSettings: true })
  app = await createApiServer({ config, db, ready: () => true, log: () => {} })
  await app.ready()
})
afterAll(async () => {
  await app?.close()
  await starved?.close()
  await storage?.close()
})

describe('a query that storage stops for lack of memory', () => {
  it('fails with a retryable STORAGE_UNAVAILABLE that names the reason, not an internal error', async () => {
    const failed = await db
      .rows(sql`SELECT ServiceName, count() AS n FROM ${db.table('otel_traces')} GROUP BY ServiceName`)
      .catch((e: unknown) => e)
    expect(failed).toMatchObject({
      code: 'SKEIN_ERR_STORAGE_UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining('MEMORY_LIMIT_EXCEEDED'),
    })
    expect((failed as Error).cause).toMatchObject({ code: '241' })
  })

  it('is answered by the query API with 503 and Retry-After, as every retryable error is', async () => {
    const r = await app.inject({ method: 'GET', url: '/api/v1/services' })
    expect(r.statusCode).toBe(503)
    expect(r.headers['retry-after']).toBe('2')
    expect(r.json()).toEqual({
      error: { code: 'SKEIN_ERR_STORAGE_UNAVAILABLE', message: expect.stringMatching(/retry later$/) },
    })
  })
})
