import { describe, expect, it } from 'vitest'
import { isSilenced, mergeRule, type Rule, ruleTimes, validateRule } from '../../src/alerts/rule.js'
import { isSkeinError } from '../../src/errors.js'

const valid = {
  name: 'Checkout failing',
  service: 'checkout',
  errorRateAbove: 0.05,
  window: '5m',
  minRequests: 20,
  for: '2m',
  webhookUrl: 'https://hooks.example.com/T0/B0',
}

/** The error a bad input raises, for assertions on its code and message. */
function refusal(input: unknown): { code: string; message: string } {
  try {
    validateRule(input)
  } catch (e) {
    if (isSkeinError(e)) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error('the rule was accepted')
}

describe('validateRule', () => {
  it('accepts the contract shape, fills defaults and generates an id', () => {
    const rule = validateRule(
      { name: 'x', service: 'orders', errorRateAbove: 0.1, webhookUrl: 'http://127.0.0.1:9/h' },
      { now: 0 },
    )
    expect(rule).toMatchObject({
      name: 'x',
      service: 'orders',
      kind: 'errorRate',
      errorRateAbove: 0.1,
      window: '5m',
      minRequests: 10,
      for: '1m',
      repeatEvery: '1h',
      enabled: true,
      createdAt: '1970-01-01T00:00:00.000Z',
    })
    expect(rule.id).toMatch(/^[0-9a-f]{12}$/)
    expect(rule.operation).toBeUndefined()
  })

  it('infers a latency rule from p95AboveMs alone', () => {
    const rule = validateRule({ ...valid, errorRateAbove: undefined, p95AboveMs: 500 })
    expect(rule.kind).toBe('latency')
    expect(rule.p95AboveMs).toBe(500)
    expect(rule.errorRateAbove).toBeUndefined()
  })

  it('keeps only the threshold of its kind, and validates no other', () => {
    const rule = validateRule({ ...valid, kind: 'errorRate', p95AboveMs: 'not even a number' })
    expect(rule).toMatchObject({ kind: 'errorRate', errorRateAbove: 0.05 })
    expect(rule).not.toHaveProperty('p95AboveMs')
  })

  it('accepts numbers written as strings, as YAML and forms send them', () => {
    expect(validateRule({ ...valid, errorRateAbove: '0.2', minRequests: '5' })).toMatchObject({
      errorRateAbove: 0.2,
      minRequests: 5,
    })
  })

  it.each([
    ['service', { ...valid, service: '' }],
    ['name', { ...valid, name: undefined }],
    ['errorRateAbove', { ...valid, errorRateAbove: 1.5 }],
    ['errorRateAbove', { ...valid, errorRateAbove: 'lots' }],
    ['errorRateAbove', { ...valid, errorRateAbove: undefined }],
    ['p95AboveMs', { ...valid, kind: 'latency', errorRateAbove: undefined }],
    ['p95AboveMs', { ...valid, kind: 'latency', p95AboveMs: -1 }],
    ['kind', { ...valid, kind: 'cpu' }],
    ['window', { ...valid, window: 'five minutes' }],
    ['window', { ...valid, window: '10ms' }],
    ['for', { ...valid, for: 60 }],
    ['repeatEvery', { ...valid, repeatEvery: '10ms' }],
    ['minRequests', { ...valid, minRequests: 0 }],
    ['minRequests', { ...valid, minRequests: 2.5 }],
    ['webhookUrl', { ...valid, webhookUrl: 'ftp://example.com/x' }],
    ['webhookUrl', { ...valid, webhookUrl: 'not a url' }],
    ['enabled', { ...valid, enabled: 'yes' }],
    ['silencedUntil', { ...valid, silencedUntil: 'tomorrow' }],
    ['id', { ...valid, id: '../etc' }],
    ['errorRatio', { ...valid, errorRatio: 0.1 }],
  ])('refuses a bad %s with BAD_RULE naming the field', (field, input) => {
    const e = refusal(input)
    expect(e.code).toBe('SKEIN_ERR_BAD_RULE')
    expect(e.message).toContain(`field ${field}:`)
  })

  it('refuses a body that is not an object', () => {
    expect(refusal([valid]).code).toBe('SKEIN_ERR_BAD_RULE')
    expect(refusal(null).code).toBe('SKEIN_ERR_BAD_RULE')
  })

  it('ignores the computed fields a client sends back from a GET', () => {
    expect(validateRule({ ...valid, state: 'firing', stateSince: 'x', createdAt: 'y' }).name).toBe(valid.name)
  })

  it('parses the durations once, allowing "0s" for firing at once and for no reminders', () => {
    const rule = validateRule({ ...valid, for: '0s', repeatEvery: '0s', window: '10s' })
    expect(ruleTimes(rule)).toEqual({ windowMs: 10_000, forMs: 0, repeatEveryMs: 0 })
  })
})

describe('mergeRule', () => {
  const stored: Rule = validateRule(
    { ...valid, id: 'checkout', repeatEvery: '30m', silencedUntil: '2100-01-01T00:00:00Z' },
    { now: 1000 },
  )

  it('keeps the fields an update leaves out, and createdAt', () => {
    const next = mergeRule(stored, { errorRateAbove: 0.2 }, 5000)
    expect(next).toMatchObject({
      id: 'checkout',
      errorRateAbove: 0.2,
      repeatEvery: '30m',
      silencedUntil: '2100-01-01T00:00:00.000Z',
    })
    expect(next.createdAt).toBe(stored.createdAt)
    expect(next.updatedAt).toBe(new Date(5000).toISOString())
  })

  it('clears an optional field given as null', () => {
    expect(mergeRule(stored, { silencedUntil: null }).silencedUntil).toBeUndefined()
  })

  it('switches kind without tripping over the other threshold', () => {
    const next = mergeRule(stored, { p95AboveMs: 800 })
    expect(next).toMatchObject({ kind: 'latency', p95AboveMs: 800 })
    expect(next.errorRateAbove).toBeUndefined()
  })

  it('refuses an id that differs from the stored one', () => {
    expect(() => mergeRule(stored, { id: 'other' })).toThrow(/field id/)
  })
})

describe('isSilenced', () => {
  it('is true only before silencedUntil', () => {
    const rule = validateRule({ ...valid, silencedUntil: new Date(10_000).toISOString() })
    expect(isSilenced(rule, 9_999)).toBe(true)
    expect(isSilenced(rule, 10_000)).toBe(false)
    expect(isSilenced(validateRule(valid), 0)).toBe(false)
  })
})
