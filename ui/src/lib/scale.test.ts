import { describe, expect, it } from 'vitest'
import { niceStep, rulerTicks, toFraction } from './scale'

describe('toFraction', () => {
  it('maps a time to its share of the total', () => {
    expect(toFraction(25, 100)).toBe(0.25)
  })

  it('clamps times outside the trace to 0..1', () => {
    expect(toFraction(-5, 100)).toBe(0)
    expect(toFraction(150, 100)).toBe(1)
  })

  it('maps everything to 0 for a zero-length trace rather than dividing by zero', () => {
    expect(toFraction(5, 0)).toBe(0)
  })
})

describe('rulerTicks', () => {
  it('puts ticks on round values from zero', () => {
    expect(rulerTicks(1000, 5).map((t) => t.ns)).toEqual([0, 200, 400, 600, 800, 1000])
  })

  it('never puts a tick beyond the end', () => {
    const ticks = rulerTicks(123_456_789, 5)
    expect(ticks[0].ns).toBe(0)
    expect(ticks.at(-1)!.ns).toBeLessThanOrEqual(123_456_789)
    expect(niceStep(123_456_789, 5)).toBe(20_000_000)
  })
})
