/**
 * Log search: service, minimum level, full-text `q`, trace id, time range; newest first.
 *
 * `q` is a literal, case-sensitive substring of Body (grep-like, and what Loki's `|=` does): `position`,
 * never LIKE, so `%`, `_` and `\` in `q` mean themselves. To let the token bloom filter on Body skip
 * granules, every token of `q` that is whole (separators on both sides inside `q`) is also required with
 * `hasToken`: a Body containing `q` necessarily contains those tokens, so this never changes the answer.
 * `ignoreCase=true` trades the index for a case-insensitive match.
 */
import { type Level, type LogSearchAnswer, LogSearchQuery } from '@skein/model'
import type { Db } from './db.js'
import { logTime, type TableFn } from './filters.js'
import { capLimit, parseQuery, type Query, type TimeRange, timeRange } from './params.js'
import { LOG_SELECT, type LogRowOut, logOut } from './shapes.js'
import { type Fragment, p, sql, trusted, where } from './sql.js'

/** OpenTelemetry severity numbers: the lowest number of each level's range. */
export const LEVELS: Readonly<Record<Level, number>> = {
  trace: 1,
  debug: 5,
  info: 9,
  warn: 13,
  warning: 13,
  error: 17,
  fatal: 21,
}

export interface LogSearchParams {
  service?: string
  minSeverity?: number
  q?: string
  ignoreCase: boolean
  traceId?: string
  range: TimeRange
  limit: number
}

/** From the query string as it came. */
export function parseLogSearchParams(q: Query): LogSearchParams {
  return logSearchParams(parseQuery(LogSearchQuery, q))
}

/** From the parameters as declared (each one valid). */
export function logSearchParams(v: LogSearchQuery): LogSearchParams {
  return {
    service: v.service,
    minSeverity: v.level === undefined ? undefined : LEVELS[v.level],
    q: v.q,
    ignoreCase: v.ignoreCase === true,
    traceId: v.traceId?.toLowerCase(),
    range: timeRange(v),
    limit: capLimit(v.limit),
  }
}

/** ClickHouse's token alphabet: ASCII letters and digits, and every non-ASCII byte. */
const TOKEN = /[A-Za-z0-9\u0080-\uFFFF]+/g

/** Tokens of `text` that a matching Body must contain whole (not cut by the edges of `text`). */
export function wholeTokens(text: string): string[] {
  const out = new Set<string>()
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index
    const end = start + m[0].length
    if (start > 0 && end < text.length) out.add(m[0])
  }
  return [...out].slice(0, 8)
}

export function logSearchQuery(s: LogSearchParams, table: TableFn): Fragment {
  const conds: Fragment[] = []
  if (s.service !== undefined) conds.push(sql`ServiceName = ${p.String(s.service)}`)
  conds.push(logTime(s.range))
  if (s.minSeverity !== undefined) conds.push(sql`SeverityNumber >= ${p.UInt8(s.minSeverity)}`)
  if (s.traceId !== undefined) conds.push(sql`TraceId = ${p.String(s.traceId)}`)
  if (s.q !== undefined) {
    if (s.ignoreCase) conds.push(sql`positionCaseInsensitiveUTF8(Body, ${p.String(s.q)}) > 0`)
    else {
      for (const t of wholeTokens(s.q)) conds.push(sql`hasToken(Body, ${p.String(t)})`)
      conds.push(sql`position(Body, ${p.String(s.q)}) > 0`)
    }
  }
  return sql`
    SELECT ${trusted(LOG_SELECT)}
    FROM ${table('otel_logs')}
    ${where(conds)}
    ORDER BY Timestamp DESC
    LIMIT ${p.UInt32(s.limit)}`
}

export async function searchLogs(db: Db, s: LogSearchParams): Promise<LogSearchAnswer> {
  const rows = await db.rows<LogRowOut>(logSearchQuery(s, db.table))
  return { logs: rows.map(logOut) }
}
