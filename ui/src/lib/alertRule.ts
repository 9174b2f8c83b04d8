import type { AlertRule, AlertRuleInput } from '../api/types'

/** The form's view of a rule: text fields as typed, the rate as a percentage. */
export interface RuleDraft {
  name: string
  service: string
  operation: string
  /** Which threshold the rule has; the form keeps the other's text, but only this one is sent. */
  kind: AlertRule['kind']
  errorRatePercent: string
  p95AboveMs: string
  window: string
  minRequests: string
  for: string
  webhookUrl: string
  enabled: boolean
}

export const WINDOWS = ['1m', '5m', '10m', '15m', '30m', '1h']
export const FOR_DURATIONS = ['0m', '1m', '2m', '5m', '10m', '15m']

export function emptyDraft(): RuleDraft {
  return {
    name: '',
    service: '',
    operation: '',
    kind: 'errorRate',
    errorRatePercent: '5',
    p95AboveMs: '1000',
    window: '5m',
    minRequests: '20',
    for: '1m',
    webhookUrl: '',
    enabled: true,
  }
}

/** `Pick` on each kind of rule apart, so that `kind` still says which threshold is there. */
type PickEach<T, K extends keyof T> = T extends unknown ? Pick<T, K> : never

/** The fields of a rule that the form shows. */
export type RuleFields = PickEach<
  AlertRule,
  | 'name'
  | 'service'
  | 'operation'
  | 'kind'
  | 'errorRateAbove'
  | 'p95AboveMs'
  | 'window'
  | 'minRequests'
  | 'for'
  | 'webhookUrl'
  | 'enabled'
>

const percent = (fraction: number) => Math.round(fraction * 10000) / 100

export function draftFromRule(r: RuleFields): RuleDraft {
  const empty = emptyDraft()
  return {
    name: r.name ?? '',
    service: r.service ?? '',
    operation: r.operation ?? '',
    kind: r.kind,
    errorRatePercent: r.kind === 'errorRate' ? String(percent(r.errorRateAbove)) : empty.errorRatePercent,
    p95AboveMs: r.kind === 'latency' ? String(r.p95AboveMs) : empty.p95AboveMs,
    window: r.window ?? '5m',
    minRequests: String(r.minRequests ?? 1),
    for: r.for ?? '1m',
    webhookUrl: r.webhookUrl ?? '',
    enabled: r.enabled !== false,
  }
}

export type RuleErrors = Partial<Record<keyof RuleDraft, string>>

const DURATION = /^\d+(s|m|h)$/

/** Checks a draft; on success returns the API body, else a message per field. */
export function validateDraft(
  d: RuleDraft,
): { ok: true; rule: AlertRuleInput } | { ok: false; errors: RuleErrors } {
  const errors: RuleErrors = {}
  if (!d.name.trim()) errors.name = 'Give the rule a name'
  if (!d.service.trim()) errors.service = 'Choose a service'
  const pct = Number(d.errorRatePercent)
  const p95 = Number(d.p95AboveMs)
  if (d.kind === 'errorRate') {
    if (d.errorRatePercent.trim() === '' || !Number.isFinite(pct) || pct < 0 || pct > 100)
      errors.errorRatePercent = 'A percentage from 0 to 100'
  } else if (d.p95AboveMs.trim() === '' || !Number.isFinite(p95) || p95 <= 0) {
    errors.p95AboveMs = 'A number of milliseconds above 0'
  }
  const min = Number(d.minRequests)
  if (d.minRequests.trim() === '' || !Number.isInteger(min) || min < 1)
    errors.minRequests = 'A whole number, 1 or more'
  if (!DURATION.test(d.window)) errors.window = 'A duration such as 5m'
  if (!DURATION.test(d.for)) errors.for = 'A duration such as 1m'
  const url = d.webhookUrl.trim()
  if (url) {
    let ok = false
    let credentials = false
    try {
      const u = new URL(url)
      ok = u.protocol === 'http:' || u.protocol === 'https:'
      credentials = u.username !== '' || u.password !== ''
    } catch {
      ok = false
    }
    if (!ok) errors.webhookUrl = 'An http(s) URL'
    // The collector refuses them too (SKEIN_ERR_WEBHOOK_NOT_ALLOWED): said here before the round trip.
    else if (credentials) errors.webhookUrl = 'No user name or password in the URL: put a secret in its path'
  }
  if (Object.keys(errors).length) return { ok: false, errors }
  return {
    ok: true,
    rule: {
      name: d.name.trim(),
      service: d.service.trim(),
      ...(d.operation.trim() ? { operation: d.operation.trim() } : {}),
      // With its kind, and only its own threshold: the collector takes a lone threshold for the kind
      // of rule to store, so the form once turned a latency rule it edited into an error-rate rule.
      ...(d.kind === 'errorRate'
        ? { kind: 'errorRate', errorRateAbove: pct / 100 }
        : { kind: 'latency', p95AboveMs: p95 }),
      window: d.window,
      minRequests: min,
      for: d.for,
      webhookUrl: url,
      enabled: d.enabled,
    },
  }
}

export function describeRule(
  r: PickEach<AlertRule, 'kind' | 'errorRateAbove' | 'p95AboveMs' | 'window' | 'minRequests' | 'for'>,
): string {
  const condition =
    r.kind === 'latency' ? `p95 latency > ${r.p95AboveMs} ms` : `error rate > ${percent(r.errorRateAbove)}%`
  return `${condition} over ${r.window}, at least ${r.minRequests} requests, for ${r.for}`
}
