/**
 * What the TraceQL and LogQL compilers share about reading a query with one of Grafana's lezer grammars:
 * parsing with the grammar's error nodes turned into a 400 saying where, refusals that name the
 * construct, the two string literal forms, and the regular expressions ClickHouse (RE2) can run.
 */
import type { Tree } from '@lezer/common'
import type { LRParser } from '@lezer/lr'
import { clip, skeinError } from '../errors.js'

export type Language = 'TraceQL' | 'LogQL'

/** Longest query taken, in either language. */
export const MAX_QUERY_CHARS = 8192

/** A refusal of a construct outside the subset: a 400 SKEIN_ERR_UNSUPPORTED_QUERY quoting it. */
export function refusal(language: Language): (what: string, text: string) => never {
  return (what, text) => {
    throw skeinError(
      'UNSUPPORTED_QUERY',
      `${language}: ${what} is not supported by Skein: ${JSON.stringify(clip(text.trim(), 120))}`,
    )
  }
}

/** The grammar's tree of `q`; text it does not accept is a 400 SKEIN_ERR_BAD_QUERY saying where. */
export function parseQuery(parser: LRParser, q: string, language: Language): Tree {
  if (q.length > MAX_QUERY_CHARS)
    throw skeinError('BAD_QUERY', `${language}: the query is longer than ${MAX_QUERY_CHARS} characters`)
  const tree = parser.parse(q)
  tree.iterate({
    enter(n) {
      if (n.type.isError) {
        const near = q.slice(n.from, Math.max(n.to, n.from + 20))
        throw skeinError(
          'BAD_QUERY',
          `${language} does not parse at position ${n.from}: ${JSON.stringify(clip(near || '(end of query)', 60))}`,
        )
      }
    },
  })
  return tree
}

/** A string literal of either language: double-quoted with Go escapes, or a backquoted raw string. */
export function stringLiteral(text: string, language: Language): string {
  if (text.startsWith('`')) return text.slice(1, -1)
  try {
    return JSON.parse(text) as string
  } catch {
    return refusal(language)('this string escape', text)
  }
}

/** RE2's bound on a repetition count (`a{1001}` does not compile). */
const MAX_REPEAT = 1000

/**
 * A regular expression as the client wrote it, checked: RE2 (ClickHouse's) has no lookaround or
 * backreferences and no repetition counts over 1000, and one that does not compile is the client's
 * mistake, not a 500 from the engine. JavaScript's own parser is the compile check, given RE2's flag
 * groups (`(?i)`, `(?s:…)`) as plain groups, since it has none of its own.
 */
export function checkRegex(re: string, language: Language): string {
  if (/\(\?[=!<]|\\[1-9]/.test(re))
    refusal(language)('lookaround or backreferences in a regular expression', re)
  const bad = (why: string): never => {
    throw skeinError(
      'BAD_QUERY',
      `${language}: not a valid regular expression (${why}): ${JSON.stringify(clip(re, 120))}`,
    )
  }
  for (const m of re.matchAll(/\{(\d+)(?:,(\d*))?\}/g))
    if (Number(m[1]) > MAX_REPEAT || Number(m[2] || 0) > MAX_REPEAT)
      bad(`a repetition count over ${MAX_REPEAT}`)
  try {
    new RegExp(re.replace(/\(\?[imsU-]+\)/g, '').replace(/\(\?[imsU-]+:/g, '(?:'))
  } catch {
    bad('it does not compile')
  }
  return re
}
