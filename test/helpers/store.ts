/**
 * Reads a collector's data dir directly with chDB, after the collector has stopped: the ground truth for
 * "everything acknowledged is stored". chDB allows one data path per process, so use one data dir per
 * test file.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@clickhouse/client'
import { loadConfig } from '../../collector/src/config.js'
import { openStorage, type Storage } from '../../collector/src/storage/storage.js'

export async function withStore<T>(
  dataDir: string,
  fn: (query: <R>(sql: string) => Promise<R[]>) => Promise<T>,
): Promise<T> {
  const { createChdbConnection } = await import('chdb/connection')
  const client = createClient({ connection: createChdbConnection({ path: dataDir }) } as Parameters<
    typeof createClient
  >[0])
  try {
    return await fn(
      async <R>(sql: string) =>
        (await (await client.query({ query: sql, format: 'JSONEachRow' })).json()) as R[],
    )
  } finally {
    const { drainPending } = await import('chdb')
    await drainPending()
    await client.close()
  }
}

/**
 * A store of a test file's own, in a fresh temporary dir: chDB opens one data dir per process, so a test
 * that counts rows or engine events keeps them apart from other files' this way.
 */
export async function openOwnStore(prefix: string): Promise<Storage> {
  return openStorage(loadConfig({ dataDir: join(mkdtempSync(join(tmpdir(), prefix)), 'data') }, {}))
}
