import { describe, expect, it } from 'vitest'
import type { LevelCounts, LogVolumeBucket } from '../api/types'
import { brushedRange, volumeTotals } from './logVolume'

const zero: LevelCounts = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 }
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)
const STEP = 60_000
const bucket = (i: number, counts: Partial<LevelCounts>): LogVolumeBucket => {
  const c = { ...zero, ...counts }
  return {
    t: new Date(T0 + i * STEP).toISOString(),
    tMs: T0 + i * STEP,
    total: Object.values(c).reduce((a, b) => a + b, 0),
    counts: c,
  }
}
const buckets = [bucket(0, { info: 3, error: 1 }), bucket(1, {}), bucket(2, { warn: 2, unknown: 1 })]

describe('volumeTotals', () => {
  it('adds up each level over the buckets', () => {
    expect(volumeTotals(buckets)).toEqual({ ...zero, info: 3, error: 1, warn: 2, unknown: 1 })
    expect(volumeTotals([])).toEqual(zero)
  })
})

describe('brushedRange', () => {
  const bounds = [T0, T0 + 3 * STEP] as const
  const iso = (ms: number) => new Date(ms).toISOString()

  it("covers the brushed bars whole, from the first one's start to the last one's end", () => {
    expect(brushedRange(buckets, STEP, [1, 2], bounds)).toEqual({
      start: iso(T0 + STEP),
      end: iso(T0 + 3 * STEP),
    })
    expect(brushedRange(buckets, STEP, [1, 1], bounds)).toEqual({
      start: iso(T0 + STEP),
      end: iso(T0 + 2 * STEP),
    })
  })

  it('takes the ends in either order, rounds them and keeps them on the chart', () => {
    expect(brushedRange(buckets, STEP, [2.4, -3], bounds)).toEqual({
      start: iso(T0),
      end: iso(T0 + 3 * STEP),
    })
  })

  it('stays inside the range shown when the first and last bars stick out of it', () => {
    const inside = [T0 + 30_000, T0 + 150_000] as const
    expect(brushedRange(buckets, STEP, [0, 2], inside)).toEqual({
      start: iso(inside[0]),
      end: iso(inside[1]),
    })
  })

  it('gives nothing without bars or with a brush that is not a number', () => {
    expect(brushedRange([], STEP, [0, 1], bounds)).toBeUndefined()
    expect(brushedRange(buckets, STEP, [Number.NaN, 1], bounds)).toBeUndefined()
  })
})
