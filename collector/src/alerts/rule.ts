/**
 * Alert rules: their shape and their validation, done once at the edge (API, provisioning file, CLI
 * through the API). Everything past `validateRule` may trust a `Rule`. A bad field is a
 * SkeinError(BAD_RULE) — HTTP 400 — whose message names the field.
 */
import { randomBytes } from 'node:crypto'
import type { ErrorRateRule, LatencyRule, Rule, RuleKind } from '@skein/model'
import { skeinError } from '../errors.js'
import { parseDuration } from '../units.js'

// A rule's shape is declared once, in @skein/model (the API's schemas): a union on `kind`, each kind with
// its one threshold.
export type { AlertState, ErrorRateRule, LatencyRule, Rule, RuleKind } from '@skein/model'

/** Durations of a rule in ms, parsed once. */
export interface RuleTimes {
  windowMs: number
  forMs: number
  repeatEveryMs: number
}

export const DEFAULTS = {
  window: '5m',
  minRequests: 10,
  for: '1m',
  repeatEvery: '1h',
  enabled: true,
} as const

/** Fields a client may send back unchanged from a GET (they are computed, so they are ignored). */
const READ_ONLY = new Set(['state', 'stateSince', 'createdAt', 'updatedAt'])
const FIELDS = new Set([
  'id',
  'name',
  'service',
  'operation',
  'kind',
  'errorRateAbove',
  'p95AboveMs',
  'window',
  'minRequests',
  'for',
  'repeatEvery',
  'webhookUrl',
  'enabled',
  'silencedUntil',
])

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const MAX_WINDOW_MS = 86_400_000

export function badRule(field: string, why: string): never {
  throw skeinError('BAD_RULE', `invalid rule field ${field}: ${why}`)
}

function text(v: unknown, field: string, max: number): string {
  if (typeof v !== 'string' || v.trim() === '') badRule(field, 'expected a non-empty string')
  if (v.length > max) badRule(field, `longer than ${max} characters`)
  return v.trim()
}

function duration(v: unknown, field: string, opts: { min: number; max: number }): string {
  if (typeof v !== 'string') badRule(field, 'expected a duration such as 30s, 5m, 1h')
  const ms = parseDuration(v)
  if (ms === undefined) badRule(field, `expected a duration such as 30s, 5m, 1h, got ${JSON.stringify(v)}`)
  if (ms < opts.min) badRule(field, `must be at least ${opts.min} ms`)
  if (ms > opts.max) badRule(field, `must be at most ${opts.max / 3_600_000} h`)
  return v.trim()
}

function number(v: unknown, field: string): number {
  // Numbers as strings are accepted because YAML and HTML forms produce them.
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v
  if (typeof n !== 'number' || !Number.isFinite(n)) badRule(field, 'expected a number')
  return n
}

function instant(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined
  const t =
    typeof v === 'number'
      ? v
      : typeof v === 'string'
        ? /^\d+$/.test(v)
          ? Number(v)
          : Date.parse(v)
        : Number.NaN
  if (!Number.isFinite(t)) badRule(field, 'expected an ISO-8601 time or Unix milliseconds')
  return new Date(t).toISOString()
}

/** The threshold of a rule of this kind, validated; the other kind's, if sent, is dropped. */
function threshold(
  kind: RuleKind,
  o: Record<string, unknown>,
): Pick<ErrorRateRule, 'kind' | 'errorRateAbove'> | Pick<LatencyRule, 'kind' | 'p95AboveMs'> {
  if (kind === 'errorRate') {
    if (o.errorRateAbove === undefined || o.errorRateAbove === null)
      badRule('errorRateAbove', 'required for an errorRate rule')
    const errorRateAbove = number(o.errorRateAbove, 'errorRateAbove')
    if (errorRateAbove < 0 || errorRateAbove > 1)
      badRule('errorRateAbove', 'expected a fraction from 0 to 1 (0.05 is 5%)')
    return { kind, errorRateAbove }
  }
  if (o.p95AboveMs === undefined || o.p95AboveMs === null)
    badRule('p95AboveMs', 'required for a latency rule')
  const p95AboveMs = number(o.p95AboveMs, 'p95AboveMs')
  if (p95AboveMs <= 0) badRule('p95AboveMs', 'must be above 0')
  return { kind, p95AboveMs }
}

export function newRuleId(): string {
  return randomBytes(6).toString('hex')
}

/**
 * Validates a rule from an untrusted object. `id` is kept when valid and generated when absent;
 * `now` stamps createdAt/updatedAt unless given by `previous` (an update keeps createdAt).
 */
export function validateRule(input: unknown, opts: { now?: number; previous?: Rule } = {}): Rule {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    badRule('(body)', 'expected a JSON object')
  const o = input as Record<string, unknown>
  for (const key of Object.keys(o)) {
    if (!FIELDS.has(key) && !READ_ONLY.has(key)) badRule(key, 'unknown field')
  }
  const id = o.id === undefined || o.id === '' ? (opts.previous?.id ?? newRuleId()) : o.id
  if (typeof id !== 'string' || !ID_RE.test(id))
    badRule('id', 'expected 1-64 letters, digits, ".", "_" or "-"')
  const name = text(o.name, 'name', 200)
  const service = text(o.service, 'service', 256)
  const operation =
    o.operation === undefined || o.operation === null || o.operation === ''
      ? undefined
      : text(o.operation, 'operation', 1024)

  let kind = o.kind
  // A client that only knows error-rate rules (the contract's original shape) need not send `kind`.
  if (kind === undefined)
    kind = o.p95AboveMs !== undefined && o.errorRateAbove === undefined ? 'latency' : 'errorRate'
  if (kind !== 'errorRate' && kind !== 'latency') badRule('kind', 'expected errorRate or latency')
  const measured = threshold(kind, o)

  const window = duration(o.window ?? DEFAULTS.window, 'window', { min: 1000, max: MAX_WINDOW_MS })
  const minRequests =
    o.minRequests === undefined ? DEFAULTS.minRequests : number(o.minRequests, 'minRequests')
  if (!Number.isInteger(minRequests) || minRequests < 1)
    badRule('minRequests', 'expected a whole number of at least 1')
  const forText = duration(o.for ?? DEFAULTS.for, 'for', { min: 0, max: MAX_WINDOW_MS })
  const repeatEvery = duration(o.repeatEvery ?? DEFAULTS.repeatEvery, 'repeatEvery', {
    min: 0,
    max: 7 * MAX_WINDOW_MS,
  })
  if (parseDuration(repeatEvery) !== 0 && (parseDuration(repeatEvery) as number) < 1000) {
    badRule('repeatEvery', 'must be 0s (no reminders) or at least 1s')
  }

  const webhookUrl = text(o.webhookUrl, 'webhookUrl', 2048)
  let url: URL
  try {
    url = new URL(webhookUrl)
  } catch {
    badRule('webhookUrl', 'expected an http or https URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    badRule('webhookUrl', 'expected an http or https URL')

  const enabled = o.enabled === undefined ? DEFAULTS.enabled : o.enabled
  if (typeof enabled !== 'boolean') badRule('enabled', 'expected true or false')
  const silencedUntil = instant(o.silencedUntil, 'silencedUntil')

  const now = new Date(opts.now ?? Date.now()).toISOString()
  const rule: Rule = {
    id,
    name,
    service,
    ...measured,
    window,
    minRequests,
    for: forText,
    repeatEvery,
    webhookUrl,
    enabled,
    createdAt: opts.previous?.createdAt ?? now,
    updatedAt: now,
  }
  if (operation !== undefined) rule.operation = operation
  if (silencedUntil !== undefined) rule.silencedUntil = silencedUntil
  return rule
}

/**
 * An update: fields absent from `patch` keep their stored value (so a client that knows fewer fields —
 * a form without `repeatEvery`, say — does not erase them); `null` clears an optional field.
 */
export function mergeRule(previous: Rule, patch: unknown, now?: number): Rule {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
    badRule('(body)', 'expected a JSON object')
  const p = patch as Record<string, unknown>
  if (p.id !== undefined && p.id !== previous.id) badRule('id', 'does not match the rule in the path')
  const merged: Record<string, unknown> = { ...previous }
  for (const [k, v] of Object.entries(p)) {
    if (READ_ONLY.has(k)) continue
    if (v === null) delete merged[k]
    else merged[k] = v
  }
  // Switching kind drops the other kind's threshold rather than failing on a leftover field.
  if (p.kind === 'latency' && p.errorRateAbove === undefined) delete merged.errorRateAbove
  if (p.kind === 'errorRate' && p.p95AboveMs === undefined) delete merged.p95AboveMs
  if (p.kind === undefined && p.p95AboveMs !== undefined && p.errorRateAbove === undefined) {
    merged.kind = 'latency'
    delete merged.errorRateAbove
  }
  if (p.kind === undefined && p.errorRateAbove !== undefined && p.p95AboveMs === undefined) {
    merged.kind = 'errorRate'
    delete merged.p95AboveMs
  }
  delete merged.createdAt
  delete merged.updatedAt
  return validateRule(merged, { now, previous })
}

export function ruleTimes(rule: Rule): RuleTimes {
  return {
    windowMs: parseDuration(rule.window) as number,
    forMs: parseDuration(rule.for) as number,
    repeatEveryMs: parseDuration(rule.repeatEvery) as number,
  }
}

/** Whether the rule is silenced at `now` (notifications withheld). */
export function isSilenced(rule: Rule, now: number): boolean {
  return rule.silencedUntil !== undefined && Date.parse(rule.silencedUntil) > now
}
