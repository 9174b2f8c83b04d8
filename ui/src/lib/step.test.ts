import { describe, expect, it } from 'vitest'
import { stepFor } from './step'

describe('stepFor', () => {
  it('uses one-minute points for an hour and coarser ones for a week', () => {
    expect(stepFor({ lookback: '1h' })).toBe('1m')
    expect(stepFor({ lookback: '24h' })).toBe('15m')
    expect(stepFor({ lookback: '7d' })).toBe('1h')
  })
})
