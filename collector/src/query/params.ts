/**
 * Parsing and validating query-string parameters once, at the edge: each bad value is a 400 naming the
 * parameter. Time ranges: `start`/`end` (ISO-8601 or Unix ms) or `lookback` (15m, 1h, 7d), default 1h.
 */
import { parseDuration } from '../config.js'
import { skeinError } from '../errors.js'

export type Query = Record<string, unknown>

export function badParam(name: string, why: string): never {
  throw skeinError('BAD_PARAM', `invalid parameter ${name}: ${why}`)
}

/** One string value (the last if repeated), or undefined. Empty strings count as absent. */
export function str(q: Query, name: string, maxLen = 1024): string | undefined {
  let v = q[name]
  if (Array.isArray(v)) v = v[v.length - 1]
  if (v === undefined || v === '') return undefined
  if (typeof v !== 'string') badParam(name, 'expected a string')
  if (v.length > maxLen) badParam(name, `longer than ${maxLen} characters`)
  return v
}

/** Every value of a repeatable parameter. */
export function strs(q: Query, name: string, maxCount = 20): string[] {
  const v = q[name]
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v]
  if (list.length > maxCount) badParam(name, `at most ${maxCount} values`)
  return list.map((x) => {
    if (typeof x !== 'string') badParam(name, 'expected a string')
    return x
  })
}

export function num(q: Query, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const s = str(q, name, 32)
  if (s === undefined) return undefined
  const n = Number(s)
  if (!Number.isFinite(n) || !/^-?\d+(\.\d+)?$/.test(s))
    badParam(name, `expected a number, got ${JSON.stringify(s)}`)
  if (opts.min !== undefined && n < opts.min) badParam(name, `must be at least ${opts.min}`)
  if (opts.max !== undefined && n > opts.max) badParam(name, `must be at most ${opts.max}`)
  return n
}

/**
 * Largest duration bound, in ms, whose nanoseconds fit ClickHouse's Int64 (about 292 years). Past it the
 * bound wrapped round when sent as nanoseconds and matched every span.
 */
export const MAX_DURATION_MS = Number((2n ** 63n - 1n) / 1_000_000n)

/** A duration bound in milliseconds (fractions allowed), from 0 to MAX_DURATION_MS. */
export function durationBound(q: Query, name: string): number | undefined {
  return num(q, name, { min: 0, max: MAX_DURATION_MS })
}

export const DEFAULT_LIMIT = 20
export const MAX_LIMIT = 1000

export function limit(q: Query, def = DEFAULT_LIMIT, max = MAX_LIMIT): number {
  const n = num(q, 'limit', { min: 1 })
  if (n === undefined) return def
  if (!Number.isInteger(n)) badParam('limit', 'expected a whole number')
  return Math.min(n, max)
}

export function oneOf<T extends string>(q: Query, name: string, allowed: readonly T[]): T | undefined {
  const s = str(q, name, 64)
  if (s === undefined) return undefined
  if (!allowed.includes(s as T)) badParam(name, `expected one of ${allowed.join(', ')}`)
  return s as T
}

export function hexId(q: Query | string, name: string, length: 32 | 16): string {
  const s = typeof q === 'string' ? q : str(q, name, 64)
  if (s === undefined || !new RegExp(`^[0-9a-fA-F]{${length}}$`).test(s))
    badParam(name, `expected ${length} hex characters`)
  return s.toLowerCase()
}

export interface TimeRange {
  /** Unix ms, inclusive. */
  startMs: number
  /** Unix ms, exclusive. */
  endMs: number
}

function instant(q: Query, name: string): number | undefined {
  const s = str(q, name, 64)
  if (s === undefined) return undefined
  if (/^\d+$/.test(s)) return Number(s)
  const t = Date.parse(s)
  if (Number.isNaN(t)) badParam(name, 'expected ISO-8601 or Unix milliseconds')
  return t
}

export function timeRange(q: Query, now = Date.now(), defaultLookback = '1h'): TimeRange {
  const start = instant(q, 'start')
  const end = instant(q, 'end')
  const lookbackText = str(q, 'lookback', 16)
  let lookbackMs: number | undefined
  if (lookbackText !== undefined) {
    lookbackMs = parseDuration(lookbackText)
    if (lookbackMs === undefined || lookbackMs <= 0)
      badParam('lookback', 'expected a duration such as 15m, 1h, 7d')
  }
  const endMs = end ?? now
  const startMs = start ?? endMs - (lookbackMs ?? (parseDuration(defaultLookback) as number))
  if (startMs >= endMs) badParam('start', 'must be before end')
  return { startMs, endMs }
}

/** Unix ms → nanoseconds as a decimal string (exact). */
export function msToNs(ms: number): string {
  return (BigInt(Math.floor(ms)) * 1_000_000n).toString()
}

/** Nanoseconds (decimal string) → ISO-8601 with millisecond precision. */
export function nsToIso(ns: string): string {
  const ms = Number(BigInt(ns) / 1_000_000n)
  return new Date(ms).toISOString()
}
