/**
 * Time → position on the waterfall's axis, as in Jaeger UI: the axis shows a *view window* of the trace
 * (the whole trace unless zoomed in with the minimap), and every position is a fraction of that window.
 * Times are nanoseconds from the trace start; windows are fractions 0..1 of the trace's duration.
 */

/** Where a time falls within [0, total], as a fraction clamped to 0..1. A zero-length trace maps to 0. */
export function toFraction(ns: number, totalNs: number): number {
  if (!(totalNs > 0) || !Number.isFinite(ns)) return 0
  const f = ns / totalNs
  return Math.min(1, Math.max(0, f))
}

/** The part of the trace's time axis on show: fractions of the trace's duration, `start < end`. */
export interface ViewWindow {
  readonly start: number
  readonly end: number
}

export const FULL_VIEW: ViewWindow = Object.freeze({ start: 0, end: 1 })

/** The narrowest window, as a fraction of the trace: a millionth (5 µs of a 5 s trace). */
export const MIN_VIEW_WIDTH = 1e-6

const clamp01 = (x: number) => Math.min(1, Math.max(0, x))

/**
 * A valid window from any two numbers: ordered, inside 0..1, at least `MIN_VIEW_WIDTH` wide (and, given
 * the trace's duration, at least 10 ns); anything not finite gives the whole trace.
 */
export function normalizeView(start: number, end: number, totalNs?: number): ViewWindow {
  if (!Number.isFinite(start) || !Number.isFinite(end)) return FULL_VIEW
  let a = clamp01(Math.min(start, end))
  let b = clamp01(Math.max(start, end))
  const min = Math.min(1, Math.max(MIN_VIEW_WIDTH, totalNs && totalNs > 0 ? 10 / totalNs : 0))
  if (b - a < min) {
    const mid = (a + b) / 2
    a = Math.max(0, Math.min(1 - min, mid - min / 2))
    b = a + min
  }
  if (a <= 0 && b >= 1) return FULL_VIEW
  return { start: a, end: b }
}

export function isFullView(v: ViewWindow): boolean {
  return v.start <= 0 && v.end >= 1
}

/**
 * Where a time falls within the window, as a fraction of the window, *not* clamped: below 0 is before
 * it, above 1 after it. A zero-length trace maps everything to 0.
 */
export function viewFraction(ns: number, totalNs: number, view: ViewWindow = FULL_VIEW): number {
  if (!(totalNs > 0) || !Number.isFinite(ns)) return 0
  const from = view.start * totalNs
  const width = (view.end - view.start) * totalNs
  return width > 0 ? (ns - from) / width : 0
}

/** A fraction of the whole trace (a log marker's position) as a fraction of the window, not clamped. */
export function fractionInView(f: number, view: ViewWindow = FULL_VIEW): number {
  const w = view.end - view.start
  return w > 0 ? (f - view.start) / w : 0
}

export interface BarPosition {
  /** Fractions of the window, inside 0..1. */
  left: number
  width: number
  /** The span starts before / ends after the window (its bar is cut at the edge). */
  cutStart: boolean
  cutEnd: boolean
}

/**
 * A bar for [startNs, endNs] in the window, cut at its edges, or null when none of it is inside. A span
 * that ends before it starts (clock trouble) is drawn as a point at its start.
 */
export function barInView(
  startNs: number,
  endNs: number,
  totalNs: number,
  view: ViewWindow = FULL_VIEW,
): BarPosition | null {
  const a = viewFraction(startNs, totalNs, view)
  const b = Math.max(a, viewFraction(endNs, totalNs, view))
  if (b < 0 || a > 1 || Number.isNaN(a)) return null
  const left = clamp01(a)
  return { left, width: clamp01(b) - left, cutStart: a < 0, cutEnd: b > 1 }
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
  /** Offset from the trace start: what the tick's label says. */
  ns: number
  /** Position within the window, 0..1. */
  fraction: number
}

/**
 * Ruler ticks at nice offsets from the trace start, inside the window: for the whole trace from 0 to its
 * end; zoomed in, the first nice offset at or after the window's start, never beyond its end.
 */
export function rulerTicks(totalNs: number, count = 5, view: ViewWindow = FULL_VIEW): Tick[] {
  if (!(totalNs > 0)) return [{ ns: 0, fraction: 0 }]
  const from = view.start * totalNs
  const to = view.end * totalNs
  const step = niceStep(to - from, count)
  const eps = (to - from) * 1e-9
  const ticks: Tick[] = []
  for (let i = Math.max(0, Math.ceil((from - eps) / step)); ; i++) {
    const ns = i * step
    if (ns > to + eps || ticks.length > 100) break
    ticks.push({ ns, fraction: clamp01(viewFraction(ns, totalNs, view)) })
  }
  return ticks
}

/** The window a drag across the minimap selects, from two positions as fractions of its width. */
export function viewFromDrag(x0: number, x1: number, totalNs?: number): ViewWindow {
  return normalizeView(x0, x1, totalNs)
}

/** The window moved by `dx` (a fraction of the trace), kept inside the trace, its width unchanged. */
export function panView(v: ViewWindow, dx: number): ViewWindow {
  const w = v.end - v.start
  if (!Number.isFinite(dx)) return v
  const start = Math.min(1 - w, Math.max(0, v.start + dx))
  return start === v.start ? v : { start, end: start + w }
}

/** One edge of the window moved to `x`; the other stays (the edges swap when one crosses the other). */
export function resizeView(v: ViewWindow, edge: 'start' | 'end', x: number, totalNs?: number): ViewWindow {
  return edge === 'start' ? normalizeView(x, v.end, totalNs) : normalizeView(v.start, x, totalNs)
}

/**
 * The window scaled by `factor` (below 1 zooms in) around `center` (a fraction of the trace; by default
 * its middle), kept inside the trace.
 */
export function zoomView(
  v: ViewWindow,
  factor: number,
  center = (v.start + v.end) / 2,
  totalNs?: number,
): ViewWindow {
  if (!(factor > 0) || !Number.isFinite(factor) || !Number.isFinite(center)) return v
  const w = Math.min(1, (v.end - v.start) * factor)
  const start = Math.min(1 - w, Math.max(0, center - (center - v.start) * factor))
  return normalizeView(start, start + w, totalNs)
}
