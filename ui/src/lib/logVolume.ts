import type { LevelCounts, LogVolumeBucket, TimeRange } from '../api/types'
import { LEVELS, type Level } from './levels'

/** Every level a bar can stack, in stacking order (least severe at the bottom). */
export const VOLUME_LEVELS: readonly Level[] = [...LEVELS, 'unknown']

/** Lines per level summed over the buckets: what the stacked bars add up to. */
export function volumeTotals(buckets: readonly LogVolumeBucket[]): LevelCounts {
  const out: LevelCounts = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 }
  for (const b of buckets) for (const level of VOLUME_LEVELS) out[level] += b.counts[level]
  return out
}

/**
 * The time range that a brush across bars `[from, to]` (category indices, either order, possibly
 * fractional or out of bounds) covers: the first bar's start to the last bar's end, kept inside
 * `bounds` (the range shown, Unix ms). Undefined when the brush covers no bar.
 */
export function brushedRange(
  buckets: readonly LogVolumeBucket[],
  stepMs: number,
  indices: readonly [number, number],
  bounds: readonly [number, number],
): TimeRange | undefined {
  if (buckets.length === 0 || !indices.every(Number.isFinite)) return undefined
  const clamp = (i: number) => Math.min(buckets.length - 1, Math.max(0, Math.round(i)))
  const first = clamp(Math.min(indices[0], indices[1]))
  const last = clamp(Math.max(indices[0], indices[1]))
  const start = Math.max(buckets[first].tMs, bounds[0])
  const end = Math.min(buckets[last].tMs + stepMs, bounds[1])
  if (!(start < end)) return undefined
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() }
}
