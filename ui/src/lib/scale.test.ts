import { describe, expect, it } from 'vitest'
import {
  barInView,
  FULL_VIEW,
  fractionInView,
  isFullView,
  MIN_VIEW_WIDTH,
  niceStep,
  normalizeView,
  panView,
  resizeView,
  rulerTicks,
  toFraction,
  viewFraction,
  viewFromDrag,
  zoomView,
} from './scale'

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

  it('labels the ticks of a zoomed-in window with their offsets from the trace start', () => {
    const ticks = rulerTicks(1000, 5, { start: 0.2, end: 0.3 })
    expect(ticks.map((t) => t.ns)).toEqual([200, 220, 240, 260, 280, 300])
    expect(ticks.map((t) => t.fraction)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1].map((f) => expect.closeTo(f, 9)))
  })

  it('starts a window that begins between two round values at the next one', () => {
    const ticks = rulerTicks(1_000_000, 4, { start: 0.123, end: 0.5 })
    expect(ticks[0].ns).toBe(200_000)
    expect(ticks[0].fraction).toBeGreaterThan(0)
    for (const t of ticks) expect(t.ns).toBeLessThanOrEqual(500_000)
  })

  it('stays a short list in the narrowest window and for a zero-length trace', () => {
    expect(rulerTicks(0)).toEqual([{ ns: 0, fraction: 0 }])
    expect(rulerTicks(Number.NaN)).toEqual([{ ns: 0, fraction: 0 }])
    const ticks = rulerTicks(3.6e12, 5, normalizeView(0.5, 0.5, 3.6e12))
    expect(ticks.length).toBeGreaterThan(1)
    expect(ticks.length).toBeLessThan(12)
  })
})

describe('normalizeView', () => {
  it('orders the edges and keeps them inside the trace', () => {
    expect(normalizeView(0.7, 0.2)).toEqual({ start: 0.2, end: 0.7 })
    expect(normalizeView(-3, 0.5)).toEqual({ start: 0, end: 0.5 })
    expect(normalizeView(0.5, 9)).toEqual({ start: 0.5, end: 1 })
  })

  it('gives the whole trace for anything not a number', () => {
    expect(normalizeView(Number.NaN, 0.5)).toBe(FULL_VIEW)
    expect(normalizeView(0, Number.POSITIVE_INFINITY)).toBe(FULL_VIEW)
    expect(isFullView(normalizeView(0, 1))).toBe(true)
  })

  it('widens an empty window around its middle to the narrowest one, inside the trace', () => {
    const v = normalizeView(0.4, 0.4)
    expect(v.end - v.start).toBeCloseTo(MIN_VIEW_WIDTH, 12)
    expect((v.start + v.end) / 2).toBeCloseTo(0.4, 9)
    const atEnd = normalizeView(1, 1)
    expect(atEnd.end).toBe(1)
    expect(atEnd.start).toBeCloseTo(1 - MIN_VIEW_WIDTH, 12)
  })

  it('keeps at least 10 ns in view of a short trace', () => {
    const v = normalizeView(0.5, 0.5, 100)
    expect((v.end - v.start) * 100).toBeCloseTo(10, 9)
    expect(normalizeView(0.2, 0.2, 5)).toBe(FULL_VIEW)
  })
})

describe('viewFraction and barInView', () => {
  const zoom = { start: 0.25, end: 0.75 }

  it('places a time within the window, and outside it below 0 or above 1', () => {
    expect(viewFraction(50, 100, zoom)).toBe(0.5)
    expect(viewFraction(0, 100, zoom)).toBe(-0.5)
    expect(viewFraction(100, 100, zoom)).toBe(1.5)
    expect(viewFraction(50, 100)).toBe(0.5)
    expect(fractionInView(0.5, zoom)).toBe(0.5)
  })

  it('draws a bar inside the window as it is', () => {
    expect(barInView(30, 40, 100, zoom)).toEqual({
      left: expect.closeTo(0.1, 12),
      width: expect.closeTo(0.2, 12),
      cutStart: false,
      cutEnd: false,
    })
  })

  it('cuts a bar at the edges of the window and says so', () => {
    expect(barInView(0, 100, 100, zoom)).toEqual({ left: 0, width: 1, cutStart: true, cutEnd: true })
    expect(barInView(10, 50, 100, zoom)).toEqual({ left: 0, width: 0.5, cutStart: true, cutEnd: false })
  })

  it('draws nothing for a span wholly outside the window', () => {
    expect(barInView(0, 20, 100, zoom)).toBeNull()
    expect(barInView(80, 90, 100, zoom)).toBeNull()
  })

  it('draws a zero-length span as a point, and one that ends before it starts (clock skew) at its start', () => {
    expect(barInView(50, 50, 100, zoom)).toEqual({ left: 0.5, width: 0, cutStart: false, cutEnd: false })
    expect(barInView(50, 10, 100, zoom)).toEqual({ left: 0.5, width: 0, cutStart: false, cutEnd: false })
  })

  it('maps everything to the start for a zero-length trace', () => {
    expect(barInView(0, 0, 0, FULL_VIEW)).toEqual({ left: 0, width: 0, cutStart: false, cutEnd: false })
    expect(viewFraction(Number.NaN, 100)).toBe(0)
  })
})

describe('dragging the window', () => {
  it('selects the window between where a drag started and ended, in either direction', () => {
    expect(viewFromDrag(0.6, 0.2)).toEqual({ start: 0.2, end: 0.6 })
  })

  it('pans without changing the width, and stops at the edges of the trace', () => {
    const v = { start: 0.2, end: 0.4 }
    expect(panView(v, 0.1).start).toBeCloseTo(0.3, 12)
    expect(panView(v, 0.1).end - panView(v, 0.1).start).toBeCloseTo(0.2, 12)
    expect(panView(v, 5)).toEqual({ start: expect.closeTo(0.8, 12), end: expect.closeTo(1, 12) })
    expect(panView(v, -5)).toEqual({ start: 0, end: expect.closeTo(0.2, 12) })
    expect(panView(v, Number.NaN)).toBe(v)
  })

  it('moves one edge and swaps the edges when one is dragged past the other', () => {
    expect(resizeView({ start: 0.2, end: 0.4 }, 'end', 0.9)).toEqual({ start: 0.2, end: 0.9 })
    expect(resizeView({ start: 0.2, end: 0.4 }, 'start', 0.6)).toEqual({ start: 0.4, end: 0.6 })
  })

  it('zooms in and out around the middle, or a point, staying inside the trace', () => {
    expect(zoomView({ start: 0.2, end: 0.6 }, 0.5)).toEqual({
      start: expect.closeTo(0.3, 12),
      end: expect.closeTo(0.5, 12),
    })
    expect(zoomView({ start: 0.2, end: 0.6 }, 0.5, 0.2)).toEqual({ start: 0.2, end: expect.closeTo(0.4, 12) })
    expect(zoomView({ start: 0.8, end: 1 }, 2)).toEqual({ start: expect.closeTo(0.6, 12), end: 1 })
    expect(zoomView({ start: 0.2, end: 0.6 }, 10)).toBe(FULL_VIEW)
    expect(zoomView(FULL_VIEW, 0)).toBe(FULL_VIEW)
    expect(zoomView(FULL_VIEW, 1e-12).end - zoomView(FULL_VIEW, 1e-12).start).toBeCloseTo(MIN_VIEW_WIDTH, 12)
  })
})
