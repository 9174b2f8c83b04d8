/** Operations (span names) of one service in a time range, with their span kind. */
import { type Operation, type OperationsAnswer, OperationsPath, OperationsQuery } from '@skein/model'
import type { Db } from './db.js'
import { BY_SERVICE, spanTime, type TableFn } from './filters.js'
import { parseQuery, type Query, type TimeRange, timeRange } from './params.js'
import { type Fragment, p, sql } from './sql.js'

export const MAX_OPERATIONS = 10_000

export interface OperationsParams {
  service: string
  range: TimeRange
}

/** From the path's service and the query string as they came. */
export function parseOperationsParams(service: string | undefined, q: Query): OperationsParams {
  return operationsParams(parseQuery(OperationsPath, { service }), parseQuery(OperationsQuery, q))
}

/** From the parameters as declared (each one valid). */
export function operationsParams(path: OperationsPath, v: OperationsQuery): OperationsParams {
  return { service: path.service, range: timeRange(v) }
}

export function operationsQuery(o: OperationsParams, table: TableFn): Fragment {
  // ServiceName is the first key column of BY_SERVICE: this reads only that service's granules of the range.
  return sql`
    SELECT SpanName AS name, SpanKind AS spanKind, count() AS count
    FROM ${table(BY_SERVICE)}
    WHERE ServiceName = ${p.String(o.service)} AND ${spanTime(o.range)}
    GROUP BY name, spanKind
    ORDER BY name, spanKind
    LIMIT ${p.UInt32(MAX_OPERATIONS)}`
}

export async function listOperations(db: Db, o: OperationsParams): Promise<OperationsAnswer> {
  const rows = await db.rows<{ name: string; spanKind: string; count: string }>(operationsQuery(o, db.table))
  return {
    operations: rows.map((r): Operation => ({ name: r.name, spanKind: r.spanKind, count: Number(r.count) })),
  }
}
