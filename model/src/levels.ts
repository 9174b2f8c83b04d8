/**
 * The level of a log line, declared once: the UI's badges and histogram read it through
 * `severityLevel`, and the collector's log volume counts lines per level with a ClickHouse expression
 * made from the same tables (collector/src/query/volume.ts), so a bar and a badge never disagree.
 */

/** Levels in increasing severity; a line that says none of them is `unknown`. */
export const SEVERITY_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const
export type SeverityLevel = (typeof SEVERITY_LEVELS)[number] | 'unknown'
/** Every level a line can be counted under, in the order charts stack them. */
export const LINE_LEVELS = [...SEVERITY_LEVELS, 'unknown'] as const

/**
 * OpenTelemetry severity numbers come in bands of four (1–4 TRACE … 21–24 FATAL): the lowest number of
 * each band. Numbers above 24 count as fatal.
 */
export const SEVERITY_FLOOR: Readonly<Record<(typeof SEVERITY_LEVELS)[number], number>> = {
  trace: 1,
  debug: 5,
  info: 9,
  warn: 13,
  error: 17,
  fatal: 21,
}

/**
 * When the number is 0 (unset): the text, lowercased (ASCII), by its start or as a whole word, tried in
 * this order.
 */
export const SEVERITY_TEXT: readonly {
  level: (typeof SEVERITY_LEVELS)[number]
  prefixes: readonly string[]
  words: readonly string[]
}[] = [
  { level: 'trace', prefixes: ['trace'], words: [] },
  { level: 'debug', prefixes: ['debug'], words: [] },
  { level: 'info', prefixes: ['info'], words: ['notice'] },
  { level: 'warn', prefixes: ['warn'], words: [] },
  { level: 'error', prefixes: ['err'], words: [] },
  { level: 'fatal', prefixes: ['fatal'], words: ['critical', 'crit', 'emerg', 'alert'] },
]

/** ASCII letters only, as ClickHouse's `lower` does. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32))
}

/** A line's level from its severity number, else its severity text. */
export function severityLevel(severityNumber: number | undefined, severityText?: string): SeverityLevel {
  if (severityNumber && severityNumber > 0) {
    for (let i = SEVERITY_LEVELS.length - 1; i >= 0; i--)
      if (severityNumber >= SEVERITY_FLOOR[SEVERITY_LEVELS[i]]) return SEVERITY_LEVELS[i]
  }
  const t = asciiLower(severityText ?? '')
  for (const rule of SEVERITY_TEXT)
    if (rule.prefixes.some((p) => t.startsWith(p)) || rule.words.includes(t)) return rule.level
  return 'unknown'
}
