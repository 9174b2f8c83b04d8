// @vitest-environment jsdom

import { buildSpanTree } from '@skein/model/tree'
import { cleanup, fireEvent, render } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FULL_VIEW, type ViewWindow } from '../lib/scale'
import { span } from '../testing/spans'
import { Minimap } from './Minimap'

afterEach(cleanup)

const tree = buildSpanTree([span('r', '', 0, 100), span('a', 'r', 10, 50)])

// jsdom lays nothing out: the track is given a 1000 px width at x = 0, so a pointer at x px is at x/1000.
function renderMinimap(view: ViewWindow = FULL_VIEW) {
  const onChange = vi.fn()
  const view_ = render(<Minimap tree={tree} view={view} onChange={onChange} />)
  const track = view_.getByTestId('minimap-track')
  track.getBoundingClientRect = () => ({
    left: 0,
    top: 0,
    width: 1000,
    height: 48,
    right: 1000,
    bottom: 48,
    x: 0,
    y: 0,
    toJSON: () => ({}),
  })
  // jsdom has no pointer capture.
  track.setPointerCapture = () => {}
  return { ...view_, track, onChange }
}

const press = (el: Element, x: number, target: Element = el) => {
  fireEvent.pointerDown(target, { clientX: x, button: 0, pointerId: 1 })
}

describe('Minimap', () => {
  it('zooms into the time range dragged across it, live and then for good', () => {
    const { track, onChange } = renderMinimap()
    press(track, 200)
    fireEvent.pointerMove(track, { clientX: 300, pointerId: 1 })
    fireEvent.pointerMove(track, { clientX: 450, pointerId: 1 })
    fireEvent.pointerUp(track, { clientX: 450, pointerId: 1 })
    expect(onChange).toHaveBeenNthCalledWith(1, { start: 0.2, end: 0.3 }, false)
    expect(onChange).toHaveBeenLastCalledWith({ start: 0.2, end: 0.45 }, true)
  })

  it('treats a press without a drag as a click that changes nothing', () => {
    const { track, onChange } = renderMinimap()
    press(track, 200)
    fireEvent.pointerMove(track, { clientX: 201, pointerId: 1 })
    fireEvent.pointerUp(track, { clientX: 201, pointerId: 1 })
    expect(onChange).not.toHaveBeenCalled()
  })

  it('moves the window when it is dragged, and resizes it by an edge', () => {
    const { track, onChange, container } = renderMinimap({ start: 0.2, end: 0.4 })
    press(track, 300)
    fireEvent.pointerMove(track, { clientX: 400, pointerId: 1 })
    fireEvent.pointerUp(track, { pointerId: 1 })
    const moved = onChange.mock.lastCall![0]
    expect(moved.start).toBeCloseTo(0.3, 9)
    expect(moved.end).toBeCloseTo(0.5, 9)
    onChange.mockClear()
    press(track, 400, container.querySelector('[data-edge="end"]')!)
    fireEvent.pointerMove(track, { clientX: 900, pointerId: 1 })
    fireEvent.pointerUp(track, { pointerId: 1 })
    expect(onChange).toHaveBeenLastCalledWith({ start: 0.2, end: 0.9 }, true)
  })

  it('shows the window it is given and goes back to the whole trace on a double click', () => {
    const { getByTestId, track, onChange } = renderMinimap({ start: 0.25, end: 0.5 })
    expect(getByTestId('minimap-window').style.left).toBe('25%')
    expect(getByTestId('minimap-window').style.width).toBe('25%')
    fireEvent.doubleClick(track)
    expect(onChange).toHaveBeenCalledWith(FULL_VIEW, true)
  })

  it('moves and zooms the window from the keyboard', () => {
    const { track, onChange } = renderMinimap({ start: 0.2, end: 0.6 })
    fireEvent.keyDown(track, { key: 'ArrowRight' })
    expect(onChange.mock.lastCall![0].start).toBeCloseTo(0.3, 9)
    fireEvent.keyDown(track, { key: '+' })
    expect(onChange.mock.lastCall![0].end - onChange.mock.lastCall![0].start).toBeCloseTo(0.2, 9)
    fireEvent.keyDown(track, { key: 'Escape' })
    expect(onChange).toHaveBeenLastCalledWith(FULL_VIEW, true)
  })
})
