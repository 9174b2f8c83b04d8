import type { TimeRange } from '../api/types'
import { rangeBounds } from './urlState'

const STEPS: Array<[string, number]> = [
  ['1m', 60e3],
  ['5m', 300e3],
  ['15m', 900e3],
  ['1h', 3600e3],
  ['6h', 21600e3],
  ['1d', 86400e3],
]

/** The smallest step that keeps a chart at most `maxPoints` points for the range. */
export function stepFor(range: TimeRange, maxPoints = 200): string {
  const [from, to] = rangeBounds(range)
  const span = Math.max(0, to - from)
  for (const [label, ms] of STEPS) if (span / ms <= maxPoints) return label
  return '1d'
}
