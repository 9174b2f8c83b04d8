import { describe, expect, it } from 'vitest'
import { sparklinePath } from './sparkline'

describe('sparklinePath', () => {
  it('spans the width and puts the largest value at the top, zero at the bottom', () => {
    expect(sparklinePath([0, 5, 10], 100, 20)).toBe('M0 20 L50 10 L100 0')
  })

  it('lays a series of zeros flat on the bottom edge and a single point in the middle', () => {
    expect(sparklinePath([0, 0], 10, 4)).toBe('M0 4 L10 4')
    expect(sparklinePath([3], 10, 4)).toBe('M5 0')
    expect(sparklinePath([], 10, 4)).toBe('')
  })

  it('draws nothing outside the box for negative or non-finite values', () => {
    expect(sparklinePath([-1, Number.NaN, 2], 10, 4)).toBe('M0 4 L5 4 L10 0')
  })
})
