import {
  LatencyQuery,
  LogSearchQuery,
  OperationsPath,
  SlowSpansQuery,
  TracePath,
  TraceSearchQuery,
} from '@skein/model'
import { describe, expect, it } from 'vitest'
import { msToDurationNs } from '../../src/query/filters.js'
import { durationBound, MAX_DURATION_MS, parseQuery } from '../../src/query/params.js'

const INT64_MAX = 2n ** 63n - 1n

describe('durationBound', () => {
  it('takes whole and fractional milliseconds, up to the largest whose nanoseconds fit an Int64', () => {
    expect(durationBound({ minDurationMs: '250' }, 'minDurationMs')).toBe(250)
    expect(durationBound({ minDurationMs: '0.5' }, 'minDurationMs')).toBe(0.5)
    expect(durationBound({}, 'minDurationMs')).toBeUndefined()
    const largest = durationBound({ minDurationMs: String(MAX_DURATION_MS) }, 'minDurationMs') as number
    expect(BigInt(msToDurationNs(largest)) <= INT64_MAX).toBe(true)
    expect(BigInt(MAX_DURATION_MS + 1) * 1_000_000n > INT64_MAX).toBe(true)
  })

  // Regression (issue 18, item 7): minDurationMs=99999999999999999999 wrapped round as nanoseconds and
  // matched every span.
  it.each(['99999999999999999999', String(MAX_DURATION_MS + 1), `${MAX_DURATION_MS}.5`, '-1'])(
    'refuses %s with a 400 naming the parameter',
    (value) => {
      expect(() => durationBound({ maxDurationMs: value }, 'maxDurationMs')).toThrow(
        expect.objectContaining({
          code: 'SKEIN_ERR_BAD_PARAM',
          message: expect.stringMatching(/maxDurationMs/),
        }),
      )
    },
  )
})

describe('parseQuery, from the declarations of @skein/model', () => {
  const refusal = (message: string) => expect.objectContaining({ code: 'SKEIN_ERR_BAD_PARAM', message })

  it('gives typed values: numbers as numbers, a repeated parameter as a list, booleans as booleans', () => {
    expect(
      parseQuery(TraceSearchQuery, {
        minDurationMs: '2.5',
        limit: '7',
        attr: ['a=1', 'b=2'],
        status: 'ERROR',
      }),
    ).toEqual({ minDurationMs: 2.5, limit: 7, attr: ['a=1', 'b=2'], status: 'error' })
    expect(parseQuery(LogSearchQuery, { ignoreCase: '1', level: 'Warn' })).toEqual({
      ignoreCase: true,
      level: 'warn',
    })
  })

  it('takes the last of a repeated single parameter, and an empty one as absent', () => {
    expect(parseQuery(SlowSpansQuery, { service: ['a', 'b'], operation: '' })).toEqual({ service: 'b' })
  })

  it.each([
    [{ limit: '0' }, 'invalid parameter limit: must be at least 1'],
    [{ limit: '2.5' }, 'invalid parameter limit: expected a whole number'],
    [{ limit: 'ten' }, 'invalid parameter limit: expected a number, got "ten"'],
    [{ status: 'broken' }, 'invalid parameter status: expected one of error, ok, unset'],
    [{ service: 'x'.repeat(1025) }, 'invalid parameter service: longer than 1024 characters'],
    [{ attr: Array(21).fill('a=1') }, 'invalid parameter attr: at most 20 values'],
  ])('refuses %j with a 400 that names the parameter: %s', (q, message) => {
    expect(() => parseQuery(TraceSearchQuery, q)).toThrow(refusal(message))
  })

  it("says what was expected in the declaration's words", () => {
    expect(() => parseQuery(TracePath, { traceId: 'nope' })).toThrow(
      refusal('invalid parameter traceId: expected 32 hex characters'),
    )
    expect(() => parseQuery(LogSearchQuery, { level: 'loud' })).toThrow(
      refusal('invalid parameter level: expected one of trace, debug, info, warn, error, fatal'),
    )
    expect(() => parseQuery(OperationsPath, {})).toThrow(
      refusal('invalid parameter service: expected a service name'),
    )
  })

  it('matches case only where the declaration says so', () => {
    expect(() => parseQuery(LatencyQuery, { sort: 'P95' })).toThrow(
      refusal(expect.stringMatching(/^invalid parameter sort/)),
    )
    expect(parseQuery(LatencyQuery, { sort: 'p95' })).toEqual({ sort: 'p95' })
  })
})
