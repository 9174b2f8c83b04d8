import { describe, expect, it } from 'vitest'
import { histogram, percentile } from './histogram'

describe('histogram', () => {
  it('counts every value in equal, round buckets', () => {
    const b = histogram([1, 2, 3, 11, 12, 55], 5)
    expect(b.reduce((s, x) => s + x.count, 0)).toBe(6)
    expect(b[0].from).toBe(0)
    expect(b[1].from - b[0].from).toBe(10)
    expect(b[0].count).toBe(3)
  })

  it('gives one bucket when all values are equal and none when there are none', () => {
    expect(histogram([4, 4, 4])).toEqual([{ from: 4, to: 4, count: 3 }])
    expect(histogram([])).toEqual([])
  })
})

describe('percentile', () => {
  it('uses the nearest rank', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3)
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5)
  })
})
