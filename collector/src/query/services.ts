/** Services seen in a time range, in spans or in logs. */
import type { ServiceRef, ServicesAnswer } from '@skein/model'
import type { Db } from './db.js'
import { msToNs, type TimeRange } from './params.js'
import { p, sql } from './sql.js'

export async function listServices(db: Db, range: TimeRange): Promise<ServicesAnswer> {
  const from = p.Int64(msToNs(range.startMs))
  const to = p.Int64(msToNs(range.endMs))
  const rows = await db.rows<{ name: string }>(sql`
    SELECT name FROM (
      SELECT DISTINCT ServiceName AS name FROM ${db.table('otel_traces')}
      WHERE Timestamp >= fromUnixTimestamp64Nano(${from}) AND Timestamp < fromUnixTimestamp64Nano(${to})
      UNION DISTINCT
      SELECT DISTINCT ServiceName AS name FROM ${db.table('otel_logs')}
      WHERE Timestamp >= fromUnixTimestamp64Nano(${from}) AND Timestamp < fromUnixTimestamp64Nano(${to})
    ) ORDER BY name LIMIT 10000`)
  return { services: rows.map((r): ServiceRef => ({ name: r.name })) }
}
