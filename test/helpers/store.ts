/**
 * Reads a collector's data dir directly with chDB, after the collector has stopped: the ground truth for
 * "everything acknowledged is stored". chDB allows one data path per process, so use one data dir per
 * test file.
 */
import { createClient } from '@clickhouse/client'

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
