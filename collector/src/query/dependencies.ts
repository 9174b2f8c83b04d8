/**
 * Service dependencies: an edge parent → child for every span whose parent span belongs to another
 * service (a self-join on ParentSpanId = SpanId within the same trace), with call and error counts (an
 * error is a child span with StatusCode Error).
 */
import { type DependenciesAnswer, DependenciesQuery, type DependencyEdge } from '@skein/model'
import type { Db } from './db.js'
import { spanTime, type TableFn } from './filters.js'
import { parseQuery, type Query, type TimeRange, timeRange } from './params.js'
import { type Fragment, p, sql } from './sql.js'

export const MAX_EDGES = 10_000
/** A parent starts before its child: read parents a little before the range so edges at its start count. */
export const PARENT_MARGIN_MS = 5 * 60_000

export interface DependenciesParams {
  range: TimeRange
}

/** From the query string as it came. */
export function parseDependenciesParams(q: Query): DependenciesParams {
  return dependenciesParams(parseQuery(DependenciesQuery, q))
}

export function dependenciesParams(v: DependenciesQuery): DependenciesParams {
  return { range: timeRange(v) }
}

export function dependenciesQuery(d: DependenciesParams, table: TableFn): Fragment {
  const parentRange = { startMs: d.range.startMs - PARENT_MARGIN_MS, endMs: d.range.endMs }
  // The right side of a hash join is held in memory and probed once per child span: key both sides by a
  // 64-bit hash of (trace id, span id) rather than by two strings. A false match needs a 64-bit
  // collision between two spans of the range; its effect would be one miscounted call.
  return sql`
    SELECT ps.ServiceName AS parent, cs.ServiceName AS child, count() AS callCount,
      countIf(cs.StatusCode = 'Error') AS errorCount
    FROM (
      SELECT cityHash64(TraceId, ParentSpanId) AS key, ServiceName, StatusCode FROM ${table('otel_traces')}
      WHERE ${spanTime(d.range)} AND ParentSpanId != ''
    ) AS cs
    INNER JOIN (
      SELECT cityHash64(TraceId, SpanId) AS key, ServiceName FROM ${table('otel_traces')}
      WHERE ${spanTime(parentRange)}
    ) AS ps
    ON cs.key = ps.key
    WHERE ps.ServiceName != cs.ServiceName
    GROUP BY parent, child
    ORDER BY callCount DESC, parent, child
    LIMIT ${p.UInt32(MAX_EDGES)}`
}

interface Row {
  parent: string
  child: string
  callCount: string
  errorCount: string
}

export async function dependencies(db: Db, d: DependenciesParams): Promise<DependenciesAnswer> {
  const rows = await db.rows<Row>(dependenciesQuery(d, db.table))
  return {
    edges: rows.map(
      (r): DependencyEdge => ({
        parent: r.parent,
        child: r.child,
        callCount: Number(r.callCount),
        errorCount: Number(r.errorCount),
        errorRate: Number(r.errorCount) / Math.max(1, Number(r.callCount)),
      }),
    ),
  }
}
