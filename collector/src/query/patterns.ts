/**
 * Log patterns: the lines that log search would find, grouped by template (@skein/model's patterns.ts:
 * numbers, ids, UUIDs and quoted values masked), each with its count, a series per bucket and its newest
 * line; most frequent first.
 *
 * Masked in ClickHouse, not in JS over a sample of rows: measured (chDB 26, 2 shared cores, 1M lines of
 * seven shapes, 60 characters on average) the nested `replaceRegexpAll` groups a million lines in
 * 1.1–1.7 s, where `logPattern` in JS takes 2.7 s before a single row has crossed over to it. It also
 * makes the counts exact and lets /logs filter by a pattern with the very same expression. Past
 * PATTERN_SAMPLE matching lines (counted first, without Body), a uniform sample of about that many is
 * masked instead (a hash of time and body, modulo the rate), with counts scaled up and `sampled` set.
 */
import {
  DEFAULT_PATTERNS,
  type LogPattern,
  type LogPatternsAnswer,
  LogPatternsQuery,
  MAX_PATTERNS,
  type Step,
} from '@skein/model'
import { bucketStarts, chooseStep } from './buckets.js'
import type { Db } from './db.js'
import type { TableFn } from './filters.js'
import { type LogFilterParams, logConditions, logFilterParams } from './logs.js'
import { patternOf } from './mask.js'
import { badParam, capLimit, nsToIso, parseQuery, type Query } from './params.js'
import { STEPS } from './red.js'
import { type Fragment, ident, p, sql, where } from './sql.js'

/** Lines masked at once at most; past it, a sample of about this many. About a second here (above). */
export const PATTERN_SAMPLE = 1_000_000

export interface LogPatternsParams extends LogFilterParams {
  step: Step
  limit: number
}

/** From the query string as it came. */
export function parseLogPatternsParams(q: Query): LogPatternsParams {
  return logPatternsParams(parseQuery(LogPatternsQuery, q))
}

/** From the parameters as declared (each one valid). */
export function logPatternsParams(v: LogPatternsQuery): LogPatternsParams {
  const { step, limit, ...filters } = v
  const f = logFilterParams(filters)
  return { ...f, step: chooseStep(f.range, step), limit: capLimit(limit, DEFAULT_PATTERNS, MAX_PATTERNS) }
}

const INTERVALS = Object.fromEntries(Object.entries(STEPS).map(([k, v]) => [k, v.sql])) as Record<
  Step,
  string
>

/** How many lines the filters other than `pattern` let through: a bound, read without Body (unless q). */
export function logCountQuery(s: LogFilterParams, table: TableFn): Fragment {
  return sql`SELECT count() AS n FROM ${table('otel_logs')} ${where(logConditions(s, { withPattern: false }))}`
}

/** Lines per bucket per template, then per template; `rate` > 1 keeps about one line in `rate`. */
export function logPatternsQuery(s: LogPatternsParams, table: TableFn, rate = 1): Fragment {
  const conds = logConditions(s)
  if (rate > 1) conds.push(sql`cityHash64(Timestamp, Body) % ${p.UInt32(rate)} = 0`)
  const interval = ident(s.step, INTERVALS, () => badParam('step', 'unknown step'))
  return sql`
    SELECT pattern, sum(c) AS n, groupArray((t, c)) AS series, argMax(ex, last) AS example,
      groupUniqArrayArray(10)(svcs) AS services, sum(sum(c)) OVER () AS lines, count() OVER () AS patterns
    FROM (
      SELECT ${patternOf(sql`Body`)} AS pattern,
        toUnixTimestamp(toStartOfInterval(Timestamp, ${interval}, 'UTC')) AS t, count() AS c,
        argMax((toString(toUnixTimestamp64Nano(Timestamp)), ServiceName, SeverityText, SeverityNumber, Body,
          TraceId, SpanId), Timestamp) AS ex,
        max(Timestamp) AS last, groupUniqArray(10)(ServiceName) AS svcs
      FROM ${table('otel_logs')}
      ${where(conds)}
      GROUP BY pattern, t
    )
    GROUP BY pattern
    ORDER BY n DESC, pattern
    LIMIT ${p.UInt32(s.limit)}`
}

interface Row {
  pattern: string
  n: string
  series: [number, string][]
  example: [string, string, string, number, string, string, string]
  services: string[]
  lines: string
  patterns: string
}

/** @param sample lines masked at once at most (a parameter for tests; the server uses PATTERN_SAMPLE) */
export async function logPatterns(
  db: Db,
  s: LogPatternsParams,
  sample = PATTERN_SAMPLE,
): Promise<LogPatternsAnswer> {
  const [{ n }] = await db.rows<{ n: string }>(logCountQuery(s, db.table))
  const rate = Math.max(1, Math.ceil(Number(n) / sample))
  const rows = await db.rows<Row>(logPatternsQuery(s, db.table, rate))
  const stepMs = STEPS[s.step].ms
  const bucketsMs = bucketStarts(s.range, stepMs)
  const index = new Map(bucketsMs.map((t, i) => [t, i]))
  const lines = rows.length ? Number(rows[0].lines) * rate : 0
  const patterns = rows.map((r): LogPattern => {
    const series = bucketsMs.map(() => 0)
    for (const [t, c] of r.series) {
      const i = index.get(Number(t) * 1000)
      if (i !== undefined) series[i] += Number(c) * rate
    }
    const [timestampNs, service, severityText, severityNumber, body, traceId, spanId] = r.example
    const count = Number(r.n) * rate
    return {
      pattern: r.pattern,
      count,
      share: lines ? count / lines : 0,
      series,
      services: [...r.services].sort(),
      example: {
        timestampNs,
        timestamp: nsToIso(timestampNs),
        service,
        severityText,
        severityNumber: Number(severityNumber),
        body,
        traceId,
        spanId,
      },
    }
  })
  return {
    step: s.step,
    stepMs,
    bucketsMs,
    lines,
    patternCount: rows.length ? Number(rows[0].patterns) : 0,
    sampled: rate > 1,
    sampleRate: 1 / rate,
    patterns,
  }
}
