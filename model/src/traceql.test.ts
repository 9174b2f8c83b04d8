import { describe, expect, it } from 'vitest'
import { traceQLDuration, traceQLOf } from './traceql.js'

describe('traceQLOf', () => {
  it('writes an empty form as every trace', () => {
    expect(traceQLOf({})).toBe('{}')
  })

  it('writes the span conditions as one spanset and the duration bounds on the trace', () => {
    expect(
      traceQLOf({
        service: 'orders',
        operation: 'GET /orders/:id',
        status: 'error',
        attrs: ['http.route=/orders/:id', 'tenant=acme'],
        minDurationMs: 500,
        maxDurationMs: 1500.5,
      }),
    ).toBe(
      '{ resource.service.name = "orders" && name = "GET /orders/:id" && status = error && .http.route = "/orders/:id" && .tenant = "acme" && traceDuration >= 500ms && traceDuration <= 1500500us }',
    )
  })

  it('quotes hostile values and keys, so they stay one literal', () => {
    expect(traceQLOf({ service: 'a" } || { name = "x' })).toBe(
      '{ resource.service.name = "a\\" } || { name = \\"x" }',
    )
    expect(traceQLOf({ attrs: ['my key=a\\b'] })).toBe('{ ."my key" = "a\\\\b" }')
  })

  it('keeps a value with = in it whole, and skips an attribute without a key', () => {
    expect(traceQLOf({ attrs: ['q=a=b', '=x'] })).toBe('{ .q = "a=b" }')
  })

  it('writes durations in the largest exact unit', () => {
    expect([traceQLDuration(2), traceQLDuration(0.25), traceQLDuration(0.0000015)]).toEqual([
      '2ms',
      '250us',
      '2ns',
    ])
  })
})
