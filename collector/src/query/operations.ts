/** Operations (span names) of one service in a time range, with their span kind. */
import type { Db } from './db.js'
import { spanTime, type TableFn } from './filters.js'
import { badParam, type Query, type TimeRange, timeRange } from './params.js'
import { type Fragment, p, sql } from './sql.js'

export const MAX_OPERATIONS = 10_000

export interface OperationsParams {
  service: string
  range: TimeRange
}

export function parseOperationsParams(service: string | undefined, q: Query): OperationsParams {
  if (!service || service.length > 1024) badParam('service', 'expected a service name')
  return { service, range: timeRange(q) }
}

export function operationsQuery(o: OperationsParams, table: TableFn): Fragment {
  // ServiceName is the first key column: this reads only that service's granules of the range.
  return sql`
    SELECT SpanName AS name, SpanKind AS spanKind, count() AS count
    FROM ${table('otel_traces')}
    WHERE ServiceName = ${p.String(o.service)} AND ${spanTime(o.range)}
    GROUP BY name, spanKind
    ORDER BY name, spanKind
    LIMIT ${p.UInt32(MAX_OPERATIONS)}`
}

export async function listOperations(db: Db, o: OperationsParams) {
  const rows = await db.rows<{ name: string; spanKind: string; count: string }>(operationsQuery(o, db.table))
  return { operations: rows.map((r) => ({ name: r.name, spanKind: r.spanKind, count: Number(r.count) })) }
}
