/** Where a time falls within [0, total], as a fraction clamped to 0..1. A zero-length trace maps to 0. */
export function toFraction(ns: number, totalNs: number): number {
  if (!(totalNs > 0) || !Number.isFinite(ns)) return 0
  const f = ns / totalNs
  return Math.min(1, Math.max(0, f))
}

/** A "nice" step (1, 2 or 5 times a power of ten) so that `span / step` is about `count`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 1
  const raw = span / count
  const pow = 10 ** Math.floor(Math.log10(raw))
  const m = raw / pow
  const nice = m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10
  return nice * pow
}

export interface Tick {
  ns: number
  fraction: number
}

/** Ruler ticks at nice nanosecond offsets from 0 to total, always starting at 0 and never beyond total. */
export function rulerTicks(totalNs: number, count = 5): Tick[] {
  if (!(totalNs > 0)) return [{ ns: 0, fraction: 0 }]
  const step = niceStep(totalNs, count)
  const ticks: Tick[] = []
  for (let i = 0; ; i++) {
    const ns = i * step
    if (ns > totalNs * (1 + 1e-9)) break
    ticks.push({ ns, fraction: toFraction(ns, totalNs) })
    if (ticks.length > 100) break
  }
  return ticks
}
