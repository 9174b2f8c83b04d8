import type { AlertRule, AlertRuleInput } from '../api/types'

/** The form's view of a rule: text fields as typed, the rate as a percentage. */
export interface RuleDraft {
  name: string
  service: string
  operation: string
  errorRatePercent: string
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
    errorRatePercent: '5',
    window: '5m',
    minRequests: '20',
    for: '1m',
    webhookUrl: '',
    enabled: true,
  }
}

/** The fields of a rule that the form shows. */
export type RuleFields = Pick<
  AlertRule,
  | 'name'
  | 'service'
  | 'operation'
  | 'errorRateAbove'
  | 'window'
  | 'minRequests'
  | 'for'
  | 'webhookUrl'
  | 'enabled'
>

export function draftFromRule(r: RuleFields): RuleDraft {
  return {
    name: r.name ?? '',
    service: r.service ?? '',
    operation: r.operation ?? '',
    errorRatePercent: String(Math.round((r.errorRateAbove ?? 0) * 10000) / 100),
    window: r.window ?? '5m',
    minRequests: String(r.minRequests ?? 0),
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
  if (d.errorRatePercent.trim() === '' || !Number.isFinite(pct) || pct < 0 || pct > 100)
    errors.errorRatePercent = 'A percentage from 0 to 100'
  const min = Number(d.minRequests)
  if (d.minRequests.trim() === '' || !Number.isInteger(min) || min < 0)
    errors.minRequests = 'A whole number, 0 or more'
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
      errorRateAbove: pct / 100,
      window: d.window,
      minRequests: min,
      for: d.for,
      webhookUrl: url,
      enabled: d.enabled,
    },
  }
}

export function describeRule(
  r: Pick<AlertRule, 'errorRateAbove' | 'window' | 'minRequests' | 'for'>,
): string {
  const pct = Math.round((r.errorRateAbove ?? 0) * 10000) / 100
  return `error rate > ${pct}% over ${r.window}, at least ${r.minRequests} requests, for ${r.for}`
}
