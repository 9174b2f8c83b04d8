// @vitest-environment jsdom

import { act, cleanup, fireEvent, render } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { NO_FILTERS, type TraceFilters } from '../lib/mask'
import { TraceToolbar } from './TraceToolbar'

beforeEach(() => vi.useFakeTimers())
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

function renderToolbar(
  props: Partial<Parameters<typeof TraceToolbar>[0]> = {},
  filters: TraceFilters = NO_FILTERS,
) {
  const onChange = vi.fn()
  const onStep = vi.fn()
  const onResetZoom = vi.fn()
  const view = render(
    <TraceToolbar
      filters={filters}
      onChange={onChange}
      matchCount={0}
      onStep={onStep}
      spanCount={100}
      passCount={100}
      zoomed={false}
      onResetZoom={onResetZoom}
      {...props}
    />,
  )
  return { ...view, onChange, onStep, onResetZoom }
}

describe('TraceToolbar', () => {
  it('searches once typing pauses, not on every key', () => {
    const { getByTestId, onChange } = renderToolbar()
    const input = getByTestId('trace-search')
    fireEvent.change(input, { target: { value: 'SEL' } })
    fireEvent.change(input, { target: { value: 'SELECT' } })
    expect(onChange).not.toHaveBeenCalled()
    act(() => vi.advanceTimersByTime(250))
    expect(onChange).toHaveBeenCalledTimes(1)
    expect(onChange).toHaveBeenCalledWith({ q: 'SELECT' })
  })

  it('steps through the matches with Enter and Shift+Enter, and the buttons', () => {
    const { getByTestId, onStep } = renderToolbar({ matchCount: 3 }, { ...NO_FILTERS, q: 'x' })
    fireEvent.keyDown(getByTestId('trace-search'), { key: 'Enter' })
    fireEvent.keyDown(getByTestId('trace-search'), { key: 'Enter', shiftKey: true })
    fireEvent.click(getByTestId('trace-search-next'))
    fireEvent.click(getByTestId('trace-search-prev'))
    expect(onStep.mock.calls.map((c) => c[0])).toEqual([1, -1, 1, -1])
  })

  it('says how many spans match, and which one is selected', () => {
    const q = { ...NO_FILTERS, q: 'x' }
    expect(renderToolbar({ matchCount: 1234 }, q).getByTestId('trace-search-count').textContent).toBe(
      '1.2k matches',
    )
    cleanup()
    expect(
      renderToolbar({ matchCount: 12, matchPosition: 3 }, q).getByTestId('trace-search-count').textContent,
    ).toBe('3 of 12')
    cleanup()
    expect(renderToolbar({ matchCount: 0 }, q).getByTestId('trace-search-count').textContent).toBe('No match')
  })

  it('turns the filters on and reads the duration bound only when it is a positive number', () => {
    const { getByTestId, onChange } = renderToolbar()
    fireEvent.click(getByTestId('trace-filter-errors'))
    fireEvent.click(getByTestId('trace-filter-critical'))
    const min = getByTestId('trace-filter-min')
    fireEvent.change(min, { target: { value: '12.5' } })
    fireEvent.blur(min)
    fireEvent.change(min, { target: { value: '-3' } })
    fireEvent.keyDown(min, { key: 'Enter' })
    expect(onChange.mock.calls.map((c) => c[0])).toEqual([
      { errorsOnly: true },
      { criticalOnly: true },
      { minDurationMs: 12.5 },
      { minDurationMs: undefined },
    ])
  })

  it('says how many spans the filters keep, and offers to reset the zoom', () => {
    const { getByTestId, onResetZoom } = renderToolbar({ passCount: 7, zoomed: true })
    expect(getByTestId('trace-filter-count').textContent).toBe('7 of 100 spans')
    fireEvent.click(getByTestId('trace-zoom-reset'))
    expect(onResetZoom).toHaveBeenCalled()
  })
})
