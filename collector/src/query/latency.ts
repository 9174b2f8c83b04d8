/** Per-operation latency in a range: count, errors, error rate, p50/p95/p99. */
import { type LatencyAnswer, LatencyQuery, type LatencySort, type OperationLatency } from '@skein/model'
import type { Db } from './db.js'
import { BY_SERVICE, spanTime, type TableFn } from './filters.js'
import { badParam, parseQuery, type Query, type TimeRange, timeRange } from './params.js'
import { type Fragment, ident, p, sql, where } from './sql.js'

/** Operations returned at most (busiest first by default). */
export const MAX_LATENCY_ROWS = 1000

/** `sort` (declared in @skein/model) → ORDER BY text. Identifiers only from here. */
export const LATENCY_SORT: Readonly<Record<LatencySort, string>> = {
  count: 'count DESC, service, name',
  p50: 'p[1] DESC, service, name',
  p95: 'p[2] DESC, service, name',
  p99: 'p[3] DESC, service, name',
  errorRate: 'errorRate DESC, count DESC, service, name',
  errors: 'errorCount DESC, service, name',
  name: 'service, name',
}

export interface LatencyParams {
  service?: string
  operation?: string
  sort: LatencySort
  range: TimeRange
}

/** From the query string as it came. */
export function parseLatencyParams(q: Query): LatencyParams {
  return latencyParams(parseQuery(LatencyQuery, q))
}

/** From the parameters as declared (each one valid). */
export function latencyParams(v: LatencyQuery): LatencyParams {
  return { service: v.service, operation: v.operation, sort: v.sort ?? 'count', range: timeRange(v) }
}

export function latencyQuery(l: LatencyParams, table: TableFn): Fragment {
  const conds: Fragment[] = []
  if (l.service !== undefined) conds.push(sql`ServiceName = ${p.String(l.service)}`)
  if (l.operation !== undefined) conds.push(sql`SpanName = ${p.String(l.operation)}`)
  conds.push(spanTime(l.range))
  const order = ident(l.sort, LATENCY_SORT, () => badParam('sort', 'unknown sort'))
  // quantiles() samples (reservoir of 8192 per group): exact below that, a close estimate above, in
  // bounded memory per operation.
  return sql`
    SELECT ServiceName AS service, SpanName AS name, count() AS count,
      countIf(StatusCode = 'Error') AS errorCount, errorCount / count AS errorRate,
      quantiles(0.5, 0.95, 0.99)(Duration) AS p
    FROM ${table(BY_SERVICE)}
    ${where(conds)}
    GROUP BY service, name
    ORDER BY ${order}
    LIMIT ${p.UInt32(MAX_LATENCY_ROWS)}`
}

interface Row {
  service: string
  name: string
  count: string
  errorCount: string
  errorRate: number
  p: number[]
}

export async function operationLatency(db: Db, l: LatencyParams): Promise<LatencyAnswer> {
  const rows = await db.rows<Row>(latencyQuery(l, db.table))
  return {
    operations: rows.map(
      (r): OperationLatency => ({
        service: r.service,
        name: r.name,
        count: Number(r.count),
        errorCount: Number(r.errorCount),
        errorRate: r.errorRate,
        p50Ms: r.p[0] / 1e6,
        p95Ms: r.p[1] / 1e6,
        p99Ms: r.p[2] / 1e6,
      }),
    ),
  }
}
