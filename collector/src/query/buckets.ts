/**
 * Time buckets of the log series (volume, patterns): a step from red.ts's allowlist, chosen from the
 * range when none is asked for, and the bucket starts that meet the range, as ClickHouse's
 * `toStartOfInterval(…, 'UTC')` numbers them (every step divides a day, so epoch-aligned is UTC-aligned).
 */
import { LOG_BUCKETS, MAX_POINTS, STEPS as STEP_NAMES, type Step } from '@skein/model'
import { badParam, type TimeRange } from './params.js'
import { STEPS } from './red.js'

function bucketCount(range: TimeRange, step: Step): number {
  const ms = STEPS[step].ms
  return Math.floor((range.endMs - 1) / ms) - Math.floor(range.startMs / ms) + 1
}

/**
 * `asked` when it gives at most MAX_POINTS buckets; else, with none asked, the smallest step that gives
 * at most `target`.
 */
export function chooseStep(range: TimeRange, asked?: Step, target = LOG_BUCKETS): Step {
  if (asked !== undefined) {
    const n = bucketCount(range, asked)
    if (n > MAX_POINTS)
      badParam('step', `gives ${n} buckets over this range; at most ${MAX_POINTS}, choose a larger step`)
    return asked
  }
  const step = STEP_NAMES.find((s) => bucketCount(range, s) <= target) ?? STEP_NAMES[STEP_NAMES.length - 1]
  if (bucketCount(range, step) > MAX_POINTS)
    badParam('start', `the range is longer than ${MAX_POINTS} buckets of ${step}; narrow it`)
  return step
}

/** Starts (Unix ms) of the buckets of `stepMs` that meet [start, end), oldest first. */
export function bucketStarts(range: TimeRange, stepMs: number): number[] {
  const out: number[] = []
  for (let t = Math.floor(range.startMs / stepMs) * stepMs; t < range.endMs; t += stepMs) out.push(t)
  return out
}
