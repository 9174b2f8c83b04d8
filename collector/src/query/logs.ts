/**
 * Log search: service, minimum level, full-text `q`, trace id, pattern, time range; newest first. The
 * same filters (`logConditions`) choose the lines that the volume (volume.ts) and patterns (patterns.ts)
 * count, so the three agree.
 *
 * `q` is a literal, case-sensitive substring of Body (grep-like, and what Loki's `|=` does): `position`,
 * never LIKE, so `%`, `_` and `\` in `q` mean themselves. To let the token bloom filter on Body skip
 * granules, every token of `q` that is whole (separators on both sides inside `q`) is also required with
 * `hasToken`: a Body containing `q` necessarily contains those tokens, so this never changes the answer.
 * `ignoreCase=true` trades the index for a case-insensitive match.
 *
 * `pattern` is a template as patterns.ts makes it: a line matches when its own template is equal. The
 * template's literal words are in every such line, so they are required with `hasToken` too (the same
 * index, the same guarantee as for `q`), before each remaining line is masked.
 */
import { type Level, type LogSearchAnswer, LogSearchQuery, MASK, PATTERN_CUT } from '@skein/model'
import type { Db } from './db.js'
import { logTime, type TableFn } from './filters.js'
import { patternOf } from './mask.js'
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

/** Which lines: what log search, volume and patterns share. */
export interface LogFilterParams {
  service?: string
  minSeverity?: number
  q?: string
  ignoreCase: boolean
  traceId?: string
  pattern?: string
  range: TimeRange
}

export interface LogSearchParams extends LogFilterParams {
  limit: number
}

/** From the query string as it came. */
export function parseLogSearchParams(q: Query): LogSearchParams {
  return logSearchParams(parseQuery(LogSearchQuery, q))
}

/** From the parameters as declared (each one valid). */
export function logSearchParams(v: LogSearchQuery): LogSearchParams {
  return { ...logFilterParams(v), limit: capLimit(v.limit) }
}

/** The filters of any of the log routes, as declared (each one valid). */
export function logFilterParams(v: Omit<LogSearchQuery, 'limit'>): LogFilterParams {
  return {
    service: v.service,
    minSeverity: v.level === undefined ? undefined : LEVELS[v.level],
    q: v.q,
    ignoreCase: v.ignoreCase === true,
    traceId: v.traceId?.toLowerCase(),
    pattern: v.pattern,
    range: timeRange(v),
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

/**
 * Tokens that every line of `pattern` contains whole: those whole within a literal stretch of it (between
 * masks), since each such stretch is a stretch of the line, unchanged. The first stretch begins the line
 * and the last one ends it (unless the template was cut), so their outer edges are edges of tokens too.
 */
export function patternTokens(pattern: string): string[] {
  const cut = pattern.endsWith(PATTERN_CUT)
  const stretches = (cut ? pattern.slice(0, -PATTERN_CUT.length) : pattern).split(MASK)
  const out = new Set<string>()
  stretches.forEach((stretch, i) => {
    // A separator stands in for the line's own edge, which ends a token as one does.
    const text = `${i === 0 ? ' ' : ''}${stretch}${i === stretches.length - 1 && !cut ? ' ' : ''}`
    for (const t of wholeTokens(text)) out.add(t)
  })
  return [...out].slice(0, 8)
}

/**
 * The conditions that choose the lines, time first. `withPattern: false` leaves the pattern out (the
 * costly one: each line masked), for a bound on how many lines there are.
 */
export function logConditions(s: LogFilterParams, opts: { withPattern?: boolean } = {}): Fragment[] {
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
  if (s.pattern !== undefined && opts.withPattern !== false) {
    for (const t of patternTokens(s.pattern)) conds.push(sql`hasToken(Body, ${p.String(t)})`)
    conds.push(sql`${patternOf(sql`Body`)} = ${p.String(s.pattern)}`)
  }
  return conds
}

export function logSearchQuery(s: LogSearchParams, table: TableFn): Fragment {
  return sql`
    SELECT ${trusted(LOG_SELECT)}
    FROM ${table('otel_logs')}
    ${where(logConditions(s))}
    ORDER BY Timestamp DESC
    LIMIT ${p.UInt32(s.limit)}`
}

export async function searchLogs(db: Db, s: LogSearchParams): Promise<LogSearchAnswer> {
  const rows = await db.rows<LogRowOut>(logSearchQuery(s, db.table))
  return { logs: rows.map(logOut) }
}
