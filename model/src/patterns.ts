/**
 * Log patterns: a line's template, with what changes from one line to the next (numbers, ids, quoted
 * values) masked, so that "order 42 loaded" and "order 7 loaded" are both "order <*> loaded".
 *
 * Declared once, as data: the collector derives its ClickHouse expression from `MASK_RULES` (nested
 * `replaceRegexpAll` over the first `PATTERN_PREFIX` code points, query/patterns.ts), and `logPattern`
 * applies the same rules in JS for everything else (the UI's "lines like this", tests). The rules keep
 * to what RE2 and JS regular expressions read alike: no lookaround, no backreferences, `\b` (ASCII word
 * boundary in both), character classes spelt out, `[\s\S]` rather than `.` (ClickHouse lets `.` match a
 * newline, JS does not), and no rule that can match the empty string. collector/test/query/patterns.test.ts
 * holds the two to the same answers on hostile lines through a real chDB.
 */

/** The mark left where something variable was. */
export const MASK = '<*>'

/**
 * Lines are masked on their first this many code points (Unicode characters): RE2 and JS both take time
 * in proportion to the text (JS up to its square for a run of unclosed quotes), and two lines that agree
 * on their first thousand characters are the same kind of line.
 */
export const PATTERN_PREFIX = 1024

/** Ends the template of a line longer than `PATTERN_PREFIX` code points. */
export const PATTERN_CUT = '…'

export interface MaskRule {
  name: string
  /** The regular expression, in the syntax RE2 and JS share. */
  source: string
  /** What replaces a match. */
  mask: string
  /** The rule's first group is a character of context before the match, kept as it was. */
  keepsContext?: boolean
}

/** Applied in this order, each to the previous one's output. */
export const MASK_RULES: readonly MaskRule[] = [
  {
    // Whole, before its groups are masked one by one (a group without a digit would stay).
    name: 'uuid',
    source: '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
    mask: MASK,
  },
  {
    name: 'double-quoted value',
    source: '"(?:[^"\\\\]|\\\\[\\s\\S])*"',
    mask: `"${MASK}"`,
  },
  {
    // Not an apostrophe: the opening quote follows no letter or digit ("can't find 'x'").
    name: 'single-quoted value',
    source: "(^|[^A-Za-z0-9_])'(?:[^'\\\\]|\\\\[\\s\\S])*'",
    mask: `'${MASK}'`,
    keepsContext: true,
  },
  {
    // A word with a digit in it: numbers, numbers with units (12ms), hex ids, ids like user_42. A word of
    // letters stays (a hex id without a single digit is one in 10^7 at 16 characters).
    name: 'number or id',
    source: '\\b[A-Za-z_]*[0-9][A-Za-z0-9_]*\\b',
    mask: MASK,
  },
]

const COMPILED = MASK_RULES.map((r) => ({
  re: new RegExp(r.source, 'g'),
  to: `${r.keepsContext ? '$1' : ''}${r.mask}`,
}))

/** The first `n` code points of `text`, and whether anything was left out. */
export function codePointPrefix(text: string, n: number): { text: string; cut: boolean } {
  // A string of at most n UTF-16 units has at most n code points.
  if (text.length <= n) return { text, cut: false }
  let i = 0
  for (let count = 0; count < n && i < text.length; count++) {
    const c = text.charCodeAt(i)
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length
    const next = pair ? text.charCodeAt(i + 1) : 0
    i += pair && next >= 0xdc00 && next <= 0xdfff ? 2 : 1
  }
  return { text: text.slice(0, i), cut: i < text.length }
}

/** A log line's template: `MASK_RULES` over its first `PATTERN_PREFIX` code points. Pure. */
export function logPattern(body: string): string {
  const { text, cut } = codePointPrefix(body, PATTERN_PREFIX)
  let out = text
  for (const r of COMPILED) out = out.replace(r.re, r.to)
  return cut ? out + PATTERN_CUT : out
}

/** A template cut into its literal text and its masks, for showing the masks apart (as text). */
export function patternParts(pattern: string): { text: string; masked: boolean }[] {
  const parts: { text: string; masked: boolean }[] = []
  let at = 0
  for (let i = pattern.indexOf(MASK); i >= 0; i = pattern.indexOf(MASK, at)) {
    if (i > at) parts.push({ text: pattern.slice(at, i), masked: false })
    parts.push({ text: MASK, masked: true })
    at = i + MASK.length
  }
  if (at < pattern.length) parts.push({ text: pattern.slice(at), masked: false })
  return parts
}
