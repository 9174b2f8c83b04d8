/**
 * RED time series (rate, errors, duration) of a service or an operation, in buckets of an allowlisted
 * step. Buckets with no spans are filled in (zero requests, null percentiles) so charts show gaps as gaps.
 * Requests are entry spans (`ENTRY_SPAN`), as the alert rules count them, so a chart and a rule over the
 * same service agree.
 */
import { MAX_POINTS, type RedAnswer, type RedPoint, RedQuery, type Step } from '@skein/model'
import type { Db } from './db.js'
import { BY_SERVICE, ENTRY_ROW, spanTime, type TableFn } from './filters.js'
import { badParam, parseQuery, type Query, type TimeRange, timeRange } from './params.js'
import { type Fragment, ident, p, sql, where } from './sql.js'

/**
 * Step (declared in @skein/model) → its interval in ms and its ClickHouse INTERVAL text (the only text a
 * step can put in SQL).
 */
export const STEPS: Readonly<Record<Step, { ms: number; sql: string }>> = {
  '10s': { ms: 10_000, sql: 'INTERVAL 10 SECOND' },
  '30s': { ms: 30_000, sql: 'INTERVAL 30 SECOND' },
  '1m': { ms: 60_000, sql: 'INTERVAL 1 MINUTE' },
  '5m': { ms: 300_000, sql: 'INTERVAL 5 MINUTE' },
  '15m': { ms: 900_000, sql: 'INTERVAL 15 MINUTE' },
  '30m': { ms: 1_800_000, sql: 'INTERVAL 30 MINUTE' },
  '1h': { ms: 3_600_000, sql: 'INTERVAL 1 HOUR' },
  '6h': { ms: 21_600_000, sql: 'INTERVAL 6 HOUR' },
  '1d': { ms: 86_400_000, sql: 'INTERVAL 1 DAY' },
}
export { MAX_POINTS, type Step }

export interface RedParams {
  service?: string
  operation?: string
  step: Step
  range: TimeRange
}

/** From the query string as it came. */
export function parseRedParams(q: Query): RedParams {
  return redParams(parseQuery(RedQuery, q))
}

/** From the parameters as declared (each one valid): the step must suit the range. */
export function redParams(v: RedQuery): RedParams {
  const step = v.step ?? '1m'
  const range = timeRange(v)
  const points = Math.ceil((range.endMs - range.startMs) / STEPS[step].ms)
  if (points > MAX_POINTS)
    badParam('step', `gives ${points} points over this range; at most ${MAX_POINTS}, choose a larger step`)
  return { service: v.service, operation: v.operation, step, range }
}

const INTERVALS = Object.fromEntries(Object.entries(STEPS).map(([k, v]) => [k, v.sql])) as Record<
  Step,
  string
>

export function redQuery(r: RedParams, table: TableFn): Fragment {
  const conds: Fragment[] = []
  if (r.service !== undefined) conds.push(sql`ServiceName = ${p.String(r.service)}`)
  if (r.operation !== undefined) conds.push(sql`SpanName = ${p.String(r.operation)}`)
  conds.push(spanTime(r.range), ENTRY_ROW)
  const interval = ident(r.step, INTERVALS, () => badParam('step', 'unknown step'))
  return sql`
    SELECT toUnixTimestamp(toStartOfInterval(Timestamp, ${interval}, 'UTC')) AS t, count() AS requests,
      countIf(StatusCode = 'Error') AS errors, quantiles(0.5, 0.95, 0.99)(Duration) AS p
    FROM ${table(BY_SERVICE)}
    ${where(conds)}
    GROUP BY t
    ORDER BY t
    LIMIT ${p.UInt32(MAX_POINTS + 1)}`
}

interface Row {
  t: number
  requests: string
  errors: string
  p: number[]
}

export async function redSeries(db: Db, r: RedParams): Promise<RedAnswer> {
  const rows = await db.rows<Row>(redQuery(r, db.table))
  const byT = new Map(rows.map((row) => [Number(row.t) * 1000, row]))
  const stepMs = STEPS[r.step].ms
  const points: RedPoint[] = []
  for (let t = Math.floor(r.range.startMs / stepMs) * stepMs; t < r.range.endMs; t += stepMs) {
    const row = byT.get(t)
    const requests = row ? Number(row.requests) : 0
    const errors = row ? Number(row.errors) : 0
    points.push({
      t: new Date(t).toISOString(),
      tMs: t,
      requests,
      errors,
      errorRate: requests ? errors / requests : 0,
      p50Ms: row ? row.p[0] / 1e6 : null,
      p95Ms: row ? row.p[1] / 1e6 : null,
      p99Ms: row ? row.p[2] / 1e6 : null,
    })
  }
  return { step: r.step, points }
}
