import { describe, expect, it } from 'vitest'
import { msToDurationNs } from '../../src/query/filters.js'
import { durationBound, MAX_DURATION_MS } from '../../src/query/params.js'

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
