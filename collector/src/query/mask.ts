/**
 * A log line's template in SQL: @skein/model's MASK_RULES in order, as nested `replaceRegexpAll`, over
 * the first PATTERN_PREFIX code points, with the regular expressions and masks as typed parameters. What
 * `logPattern` does in JS (collector/test/query/patterns.test.ts holds the two to the same answers).
 */
import { MASK_RULES, PATTERN_CUT, PATTERN_PREFIX } from '@skein/model'
import { type Fragment, p, sql } from './sql.js'

export function patternOf(body: Fragment): Fragment {
  let expr = sql`substringUTF8(${body}, 1, ${p.UInt32(PATTERN_PREFIX)})`
  for (const rule of MASK_RULES) {
    // RE2 names the first group \1 where JS says $1.
    const mask = `${rule.keepsContext ? '\\1' : ''}${rule.mask}`
    expr = sql`replaceRegexpAll(${expr}, ${p.String(rule.source)}, ${p.String(mask)})`
  }
  return sql`concat(${expr}, if(lengthUTF8(${body}) > ${p.UInt32(PATTERN_PREFIX)}, ${p.String(PATTERN_CUT)}, ''))`
}
