import { describe, expect, it } from 'vitest'
import { describeRule, draftFromRule, emptyDraft, validateDraft } from './alertRule'

describe('validateDraft', () => {
  it('turns a valid draft into the API body with the rate as a fraction', () => {
    const r = validateDraft({
      ...emptyDraft(),
      name: ' high errors ',
      service: 'orders',
      errorRatePercent: '2.5',
    })
    expect(r).toEqual({
      ok: true,
      rule: {
        name: 'high errors',
        service: 'orders',
        errorRateAbove: 0.025,
        window: '5m',
        minRequests: 20,
        for: '1m',
        webhookUrl: '',
        enabled: true,
      },
    })
  })

  it('names every bad field', () => {
    const r = validateDraft({
      ...emptyDraft(),
      errorRatePercent: '120',
      minRequests: '1.5',
      webhookUrl: 'javascript:alert(1)',
    })
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(Object.keys(r.errors).sort()).toEqual([
        'errorRatePercent',
        'minRequests',
        'name',
        'service',
        'webhookUrl',
      ])
  })

  it('refuses a webhook URL with a user name or password, as the collector does', () => {
    const r = validateDraft({
      ...emptyDraft(),
      name: 'n',
      service: 's',
      webhookUrl: 'https://admin:hunter2@hooks.example/x',
    })
    expect(r).toEqual({
      ok: false,
      errors: { webhookUrl: 'No user name or password in the URL: put a secret in its path' },
    })
  })

  it('round-trips a stored rule through the form', () => {
    const rule = {
      id: '1',
      state: 'ok' as const,
      name: 'n',
      service: 's',
      operation: 'GET /',
      errorRateAbove: 0.07,
      window: '5m',
      minRequests: 10,
      for: '2m',
      webhookUrl: 'https://hooks.example/x',
      enabled: false,
    }
    const { id: _id, state: _state, ...input } = rule
    expect(validateDraft(draftFromRule(rule))).toEqual({ ok: true, rule: input })
    expect(describeRule(rule)).toBe('error rate > 7% over 5m, at least 10 requests, for 2m')
  })
})
