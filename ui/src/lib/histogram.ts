import { niceStep } from './scale'

export interface Bucket {
  from: number
  to: number
  count: number
}

/** Equal-width buckets on nice boundaries covering every value; empty input gives no buckets. */
export function histogram(values: readonly number[], targetBuckets = 20): Bucket[] {
  const finite = values.filter((v) => Number.isFinite(v))
  if (finite.length === 0) return []
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const v of finite) {
    if (v < min) min = v
    if (v > max) max = v
  }
  if (min === max) return [{ from: min, to: min, count: finite.length }]
  const step = niceStep(max - min, targetBuckets)
  const start = Math.floor(min / step) * step
  const n = Math.max(1, Math.floor((max - start) / step) + 1)
  const buckets: Bucket[] = Array.from({ length: n }, (_, i) => ({
    from: start + i * step,
    to: start + (i + 1) * step,
    count: 0,
  }))
  for (const v of finite) {
    const i = Math.min(n - 1, Math.floor((v - start) / step))
    buckets[i].count++
  }
  return buckets
}

/** Nearest-rank percentile of unsorted values (p in 0..100). */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]
}
