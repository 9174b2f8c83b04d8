/**
 * Parsing and validating query-string parameters once, at the edge: each bad value is a 400 naming the
 * parameter. Time ranges: `start`/`end` (ISO-8601 or Unix ms) or `lookback` (15m, 1h, 7d), default 1h.
 *
 * What each endpoint takes is declared in @skein/model (params.ts there): `compileQuery` turns such a
 * declaration into a parser with these functions' rules and messages. fastify runs it as the route's
 * validator (query/route.ts), so handlers receive typed values; fastify's own JSON-schema validation
 * is not used because its refusals name the parameter in ajv's words and without Skein's error codes.
 */
import { DEFAULT_LIMIT, DEFAULT_LOOKBACK, MAX_DURATION_MS, MAX_LIMIT, MAX_REPEATED } from '@skein/model'
import type { Static, TObject } from 'typebox'
import { skeinError } from '../errors.js'
import { parseDuration } from '../units.js'

export { DEFAULT_LIMIT, MAX_DURATION_MS, MAX_LIMIT }

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
export function strs(q: Query, name: string, maxCount = MAX_REPEATED): string[] {
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

/** A duration bound in milliseconds (fractions allowed), from 0 to MAX_DURATION_MS. */
export function durationBound(q: Query, name: string): number | undefined {
  return num(q, name, { min: 0, max: MAX_DURATION_MS })
}

/** A parsed `limit`: the default when absent, capped (not refused) above the maximum. */
export function capLimit(n: number | undefined, def = DEFAULT_LIMIT, max = MAX_LIMIT): number {
  return n === undefined ? def : Math.min(n, max)
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

export function timeRange(q: Query, now = Date.now(), defaultLookback = DEFAULT_LOOKBACK): TimeRange {
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

/** The JSON Schema keywords of a parameter declaration that the parser reads. */
interface ParamSchema {
  type?: string
  enum?: string[]
  maxLength?: number
  minLength?: number
  pattern?: string
  minimum?: number
  maximum?: number
  maxItems?: number
  items?: ParamSchema
  'x-expected'?: string
  'x-ignore-case'?: boolean
}

const BOOLEAN_TEXT = 8
const BOOLEAN = /^(true|false|1|0)$/

type ParseOne = (q: Query, name: string) => unknown

function stringParser(s: ParamSchema): ParseOne {
  const expected = s['x-expected']
  const pattern = s.pattern === undefined ? undefined : new RegExp(s.pattern)
  const allowed = s.enum
  const byKey = allowed && new Map(allowed.map((v) => [s['x-ignore-case'] ? v.toLowerCase() : v, v]))
  const ignoreCase = s['x-ignore-case'] === true
  return (q, name) => {
    const v = str(q, name, s.maxLength ?? Number.POSITIVE_INFINITY)
    if (v === undefined) return undefined
    if (byKey) {
      const canonical = byKey.get(ignoreCase ? v.toLowerCase() : v)
      if (canonical === undefined) badParam(name, `expected ${expected ?? `one of ${allowed.join(', ')}`}`)
      return canonical
    }
    if (s.minLength !== undefined && v.length < s.minLength)
      badParam(name, `expected ${expected ?? `at least ${s.minLength} characters`}`)
    if (pattern && !pattern.test(v)) badParam(name, `expected ${expected ?? `a value matching ${s.pattern}`}`)
    return v
  }
}

function parserOf(s: ParamSchema): ParseOne {
  switch (s.type) {
    case 'number':
    case 'integer': {
      const whole = s.type === 'integer'
      return (q, name) => {
        const n = num(q, name, { min: s.minimum, max: s.maximum })
        if (whole && n !== undefined && !Number.isInteger(n)) badParam(name, 'expected a whole number')
        return n
      }
    }
    case 'boolean':
      return (q, name) => {
        const v = str(q, name, BOOLEAN_TEXT)
        if (v === undefined) return undefined
        if (!BOOLEAN.test(v)) badParam(name, 'expected true or false')
        return v === 'true' || v === '1'
      }
    case 'array': {
      const item = s.items ?? {}
      const maxLength = item.maxLength ?? Number.POSITIVE_INFINITY
      return (q, name) => {
        const list = strs(q, name, s.maxItems ?? MAX_REPEATED)
        for (const v of list) if (v.length > maxLength) badParam(name, `longer than ${maxLength} characters`)
        return list.length ? list : undefined
      }
    }
    default:
      return stringParser(s)
  }
}

/** A parser of `declaration`'s parameters (names, types, bounds, allowed values) into typed values. */
export type QueryParser<T extends TObject> = (q: Query) => Static<T>

const compiled = new WeakMap<TObject, QueryParser<TObject>>()

/**
 * Compiles a declaration once (patterns, allowed values); the parser refuses the first bad parameter,
 * in declaration order, with a 400 naming it, and leaves absent (or empty) ones out.
 */
export function compileQuery<T extends TObject>(declaration: T): QueryParser<T> {
  const known = compiled.get(declaration)
  if (known) return known as QueryParser<T>
  const required = new Set<string>(declaration.required ?? [])
  const params = Object.entries(declaration.properties as Record<string, ParamSchema>).map(([name, s]) => ({
    name,
    s,
    parse: parserOf(s),
    required: required.has(name),
  }))
  const parser = (q: Query) => {
    const out: Record<string, unknown> = {}
    for (const { name, s, parse, required } of params) {
      const v = parse(q, name)
      if (v !== undefined) out[name] = v
      else if (required) badParam(name, `expected ${s['x-expected'] ?? 'a value'}`)
    }
    return out as Static<T>
  }
  compiled.set(declaration, parser as QueryParser<TObject>)
  return parser
}

/** `q` parsed by `declaration` (compiled on first use). */
export function parseQuery<T extends TObject>(declaration: T, q: Query): Static<T> {
  return compileQuery(declaration)(q)
}
