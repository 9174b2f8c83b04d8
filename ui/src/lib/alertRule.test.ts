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
        kind: 'errorRate',
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
      kind: 'errorRate' as const,
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

  // Regression: editing a latency rule sent `errorRateAbove` (0) without `kind`, which the collector reads
  // as an error-rate rule, so saving the form turned "p95 above 800 ms" into "error rate above 0%".
  it('keeps a latency rule a latency rule through the form, threshold and all', () => {
    const rule = {
      id: '2',
      state: 'ok' as const,
      kind: 'latency' as const,
      name: 'slow checkout',
      service: 'orders',
      p95AboveMs: 800,
      window: '5m',
      minRequests: 10,
      for: '2m',
      webhookUrl: 'https://hooks.example/x',
      enabled: true,
    }
    const { id: _id, state: _state, ...input } = rule
    expect(validateDraft(draftFromRule(rule))).toEqual({ ok: true, rule: input })
  })

  it('sends only the threshold of the kind chosen', () => {
    const latency = validateDraft({
      ...emptyDraft(),
      name: 'n',
      service: 's',
      kind: 'latency',
      p95AboveMs: '1500',
    })
    expect(latency).toMatchObject({ ok: true, rule: { kind: 'latency', p95AboveMs: 1500 } })
    expect(latency.ok && latency.rule).not.toHaveProperty('errorRateAbove')
    const errorRate = validateDraft({ ...emptyDraft(), name: 'n', service: 's', p95AboveMs: 'junk' })
    expect(errorRate).toMatchObject({ ok: true, rule: { kind: 'errorRate', errorRateAbove: 0.05 } })
    expect(errorRate.ok && errorRate.rule).not.toHaveProperty('p95AboveMs')
  })

  it('names a latency threshold that is not a duration above 0 ms', () => {
    for (const p95AboveMs of ['0', '-5', '', 'fast']) {
      const r = validateDraft({ ...emptyDraft(), name: 'n', service: 's', kind: 'latency', p95AboveMs })
      expect(r).toEqual({ ok: false, errors: { p95AboveMs: 'A number of milliseconds above 0' } })
    }
  })

  // The collector refuses fewer than 1 (SKEIN_ERR_BAD_RULE); the form let 0 through to that refusal.
  it('asks for at least one request, as the collector does', () => {
    const r = validateDraft({ ...emptyDraft(), name: 'n', service: 's', minRequests: '0' })
    expect(r).toEqual({ ok: false, errors: { minRequests: 'A whole number, 1 or more' } })
  })
})

describe('describeRule', () => {
  it('describes an error-rate rule by its rate', () => {
    expect(
      describeRule({ kind: 'errorRate', errorRateAbove: 0.025, window: '5m', minRequests: 20, for: '1m' }),
    ).toBe('error rate > 2.5% over 5m, at least 20 requests, for 1m')
  })

  // Regression: the list described every latency rule as "error rate > 0%".
  it('describes a latency rule by its p95 threshold', () => {
    expect(
      describeRule({ kind: 'latency', p95AboveMs: 800, window: '10m', minRequests: 10, for: '2m' }),
    ).toBe('p95 latency > 800 ms over 10m, at least 10 requests, for 2m')
  })
})
