/**
 * Keeps literal values out of recorded SQL, as the OpenTelemetry database conventions ask
 * (`db.query.text`: "non-parameterized query text SHOULD be sanitized"). A parameterized statement
 * (`WHERE id = $1`, `?`, `:name`) comes out unchanged; in ad-hoc SQL every string, number, hex, bit
 * and dollar-quoted literal becomes `?`. Identifiers (`table1`, `"Order"`, `` `order` ``), keywords,
 * operators and comments are kept, so the statement still says what it did.
 *
 * One pass over char codes, no regular expressions: it runs for every database span.
 */

/**
 * How a dialect quotes.
 * - `standard`: a quote inside `'…'` is doubled and a backslash is a character (PostgreSQL since 9.1,
 *   SQL Server, Oracle, SQLite, DB2, Trino); `E'…'` strings take backslash escapes.
 * - `backslash`: as standard, but a backslash also escapes inside `'…'` (ClickHouse, and SQL of an
 *   unknown system: reading a backslash as an escape can only mask more).
 * - `mysql`: backslash escapes, and `"…"` is a string literal rather than an identifier.
 */
export type SqlDialect = 'standard' | 'backslash' | 'mysql'

const QUOTE = 39 // '
const DQUOTE = 34 // "
const BACKTICK = 96 // `
const DOLLAR = 36 // $
const BACKSLASH = 92
const DASH = 45
const SLASH = 47
const STAR = 42
const DOT = 46

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57
}

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127
}

function isWord(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === DOLLAR
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)
}

/** End (exclusive) of a quoted run starting at `start` (the opening quote); doubled quotes and backslashes escape. */
function endOfQuoted(sql: string, start: number, quote: number, backslashEscapes: boolean): number {
  let i = start + 1
  while (i < sql.length) {
    const c = sql.charCodeAt(i)
    if (backslashEscapes && c === BACKSLASH) {
      i += 2
      continue
    }
    if (c === quote) {
      if (sql.charCodeAt(i + 1) === quote) {
        i += 2
        continue
      }
      return i + 1
    }
    i++
  }
  return sql.length
}

/** The tag of a dollar quote opening at `start` (`$$` or `$tag$`), or undefined if `$` starts something else. */
function dollarTag(sql: string, start: number): string | undefined {
  let i = start + 1
  if (sql.charCodeAt(i) === DOLLAR) return '$$'
  if (!isWordStart(sql.charCodeAt(i))) return undefined
  while (i < sql.length && (isWordStart(sql.charCodeAt(i)) || isDigit(sql.charCodeAt(i)))) i++
  return sql.charCodeAt(i) === DOLLAR ? sql.slice(start, i + 1) : undefined
}

/** End (exclusive) of a number starting at `start`: digits, a fraction, an exponent, or 0x… hex. */
function endOfNumber(sql: string, start: number): number {
  let i = start
  if (sql.charCodeAt(i) === 48 && (sql.charCodeAt(i + 1) | 32) === 120 && isHexDigit(sql.charCodeAt(i + 2))) {
    i += 2
    while (isHexDigit(sql.charCodeAt(i))) i++
    return i
  }
  while (isDigit(sql.charCodeAt(i))) i++
  if (sql.charCodeAt(i) === DOT) {
    i++
    while (isDigit(sql.charCodeAt(i))) i++
  }
  if ((sql.charCodeAt(i) | 32) === 101) {
    let j = i + 1
    const sign = sql.charCodeAt(j)
    if (sign === 43 || sign === DASH) j++
    if (isDigit(sql.charCodeAt(j))) {
      while (isDigit(sql.charCodeAt(j))) j++
      i = j
    }
  }
  return i
}

/** `sql` with every literal value replaced by `?`. Never throws. */
export function sanitizeSql(sql: string, dialect: SqlDialect = 'standard'): string {
  let out = ''
  let copied = 0 // sql[copied, i) is still to be copied to out
  let i = 0
  const replace = (start: number, end: number) => {
    out += `${sql.slice(copied, start)}?`
    copied = end
    i = end
  }
  while (i < sql.length) {
    const c = sql.charCodeAt(i)
    const next = sql.charCodeAt(i + 1)
    if (c === DASH && next === DASH) {
      const eol = sql.indexOf('\n', i)
      i = eol === -1 ? sql.length : eol + 1
    } else if (c === SLASH && next === STAR) {
      const end = sql.indexOf('*/', i + 2)
      i = end === -1 ? sql.length : end + 2
    } else if (c === QUOTE) {
      // In standard SQL `'\'` is a one-character string: reading that backslash as an escape would
      // run the literal on to the end of the statement and mask the rest of it.
      replace(i, endOfQuoted(sql, i, QUOTE, dialect !== 'standard'))
    } else if (c === DQUOTE) {
      if (dialect === 'mysql') replace(i, endOfQuoted(sql, i, DQUOTE, true))
      else i = endOfQuoted(sql, i, DQUOTE, false)
    } else if (c === BACKTICK) {
      i = endOfQuoted(sql, i, BACKTICK, false)
    } else if (c === DOLLAR) {
      const tag = dollarTag(sql, i)
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length)
        replace(i, close === -1 ? sql.length : close + tag.length)
      } else {
        // `$1` placeholders stay
        i++
        while (isDigit(sql.charCodeAt(i))) i++
      }
    } else if (isWordStart(c)) {
      // A string prefix (E'…', N'…', X'…', B'…') belongs to the literal it introduces; only E'…'
      // takes backslash escapes in standard SQL.
      const lower = c | 32
      if (next === QUOTE && (lower === 101 || lower === 110 || lower === 120 || lower === 98)) {
        replace(i, endOfQuoted(sql, i + 1, QUOTE, lower === 101 || dialect !== 'standard'))
        continue
      }
      i++
      while (i < sql.length && isWord(sql.charCodeAt(i))) i++
    } else if (isDigit(c) || (c === DOT && isDigit(next))) {
      replace(i, endOfNumber(sql, c === DOT ? i + 1 : i))
    } else {
      i++
    }
  }
  return copied === 0 ? sql : out + sql.slice(copied)
}
