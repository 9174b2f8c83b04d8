/**
 * Log volume: the lines that log search would find (same filters), counted per bucket and per level, for
 * the logs page's histogram. Levels are @skein/model's (levels.ts): the severity number's band, else the
 * severity text; `levelIndex` is that rule as a ClickHouse expression, made from the same tables, so a
 * bar counts a line under the level its badge shows.
 */
import {
  type LevelCounts,
  LINE_LEVELS,
  type LogVolumeAnswer,
  type LogVolumeBucket,
  LogVolumeQuery,
  SEVERITY_FLOOR,
  SEVERITY_LEVELS,
  SEVERITY_TEXT,
  type Step,
} from '@skein/model'
import { bucketStarts, chooseStep } from './buckets.js'
import type { Db } from './db.js'
import type { TableFn } from './filters.js'
import { type LogFilterParams, logConditions, logFilterParams } from './logs.js'
import { badParam, parseQuery, type Query } from './params.js'
import { STEPS } from './red.js'
import { type Fragment, ident, join, p, sql, where } from './sql.js'

export interface LogVolumeParams extends LogFilterParams {
  step: Step
}

/** From the query string as it came. */
export function parseLogVolumeParams(q: Query): LogVolumeParams {
  return logVolumeParams(parseQuery(LogVolumeQuery, q))
}

/** From the parameters as declared (each one valid). */
export function logVolumeParams(v: LogVolumeQuery): LogVolumeParams {
  const { step, ...filters } = v
  const f = logFilterParams(filters)
  return { ...f, step: chooseStep(f.range, step) }
}

/** A line's level as its index in LINE_LEVELS (model/src/levels.ts's `severityLevel`, in SQL). */
export function levelIndex(): Fragment {
  const branches: Fragment[] = []
  for (let i = SEVERITY_LEVELS.length - 1; i >= 0; i--)
    branches.push(sql`SeverityNumber >= ${p.UInt8(SEVERITY_FLOOR[SEVERITY_LEVELS[i]])}, ${p.UInt8(i)}`)
  for (const rule of SEVERITY_TEXT) {
    const tests = [
      ...rule.prefixes.map((prefix) => sql`startsWith(lower(SeverityText), ${p.String(prefix)})`),
      ...(rule.words.length ? [sql`has(${p.ArrayString(rule.words)}, lower(SeverityText))`] : []),
    ]
    branches.push(sql`${join(tests, ' OR ')}, ${p.UInt8(SEVERITY_LEVELS.indexOf(rule.level))}`)
  }
  return sql`multiIf(${join(branches, ', ')}, ${p.UInt8(LINE_LEVELS.indexOf('unknown'))})`
}

const INTERVALS = Object.fromEntries(Object.entries(STEPS).map(([k, v]) => [k, v.sql])) as Record<
  Step,
  string
>

export function logVolumeQuery(s: LogVolumeParams, table: TableFn): Fragment {
  const interval = ident(s.step, INTERVALS, () => badParam('step', 'unknown step'))
  return sql`
    SELECT toUnixTimestamp(toStartOfInterval(Timestamp, ${interval}, 'UTC')) AS t, ${levelIndex()} AS level,
      count() AS n
    FROM ${table('otel_logs')}
    ${where(logConditions(s))}
    GROUP BY t, level
    ORDER BY t, level`
}

function zero(): LevelCounts {
  return { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 }
}

interface Row {
  t: number
  level: number
  n: string
}

export async function logVolume(db: Db, s: LogVolumeParams): Promise<LogVolumeAnswer> {
  const rows = await db.rows<Row>(logVolumeQuery(s, db.table))
  const stepMs = STEPS[s.step].ms
  const buckets: LogVolumeBucket[] = bucketStarts(s.range, stepMs).map((tMs) => ({
    t: new Date(tMs).toISOString(),
    tMs,
    total: 0,
    counts: zero(),
  }))
  const index = new Map(buckets.map((b, i) => [b.tMs, i]))
  const totals = zero()
  let total = 0
  for (const r of rows) {
    const b = buckets[index.get(Number(r.t) * 1000) ?? -1]
    const level = LINE_LEVELS[Number(r.level)] ?? 'unknown'
    const n = Number(r.n)
    if (b) {
      b.counts[level] += n
      b.total += n
    }
    totals[level] += n
    total += n
  }
  return { step: s.step, stepMs, buckets, totals, total }
}
