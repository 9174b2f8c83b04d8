// @vitest-environment jsdom

import { buildSpanTree } from '@skein/model/tree'
import { cleanup, fireEvent, render } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { criticalPath, segmentsById } from '../lib/criticalPath'
import { flattenTree, type SpanRow } from '../lib/rows'
import { fakeLayout } from '../testing/layout'
import { bigTrace, span } from '../testing/spans'
import { Waterfall } from './Waterfall'

beforeAll(() => fakeLayout())
afterEach(cleanup)

function renderWaterfall(spans = bigTrace(50), extra: Partial<Parameters<typeof Waterfall>[0]> = {}) {
  const tree = buildSpanTree(spans)
  const rows = flattenTree(tree, new Set(), undefined, { minFold: 0 }) as SpanRow[]
  const onSelect = vi.fn()
  const onToggle = vi.fn()
  const view = render(
    <div style={{ height: 600 }}>
      <Waterfall
        tree={tree}
        rows={rows}
        onSelect={onSelect}
        onToggle={onToggle}
        markers={new Map()}
        critical={null}
        {...extra}
      />
    </div>,
  )
  return { ...view, tree, rows, onSelect, onToggle }
}

describe('Waterfall', () => {
  it('puts only the rows in view into the DOM, even for 10,000 spans', () => {
    const { getAllByTestId } = renderWaterfall(bigTrace(10_000))
    const rendered = getAllByTestId('waterfall-row').length
    expect(rendered).toBeGreaterThan(10)
    expect(rendered).toBeLessThan(100)
  })

  it('selects a span when its row is clicked', () => {
    const { getAllByTestId, onSelect } = renderWaterfall()
    fireEvent.click(getAllByTestId('waterfall-row')[3])
    expect(onSelect).toHaveBeenCalledWith('s3')
  })

  it('collapses with the toggle without selecting the row', () => {
    const { getAllByTestId, onSelect, onToggle } = renderWaterfall()
    fireEvent.click(getAllByTestId('waterfall-toggle')[0])
    expect(onToggle).toHaveBeenCalledWith('root')
    expect(onSelect).not.toHaveBeenCalled()
  })

  it('marks the selected row', () => {
    const { container } = renderWaterfall(undefined, { selectedId: 's2' })
    const row = container.querySelector('[data-span-id="s2"]')!
    expect(row.getAttribute('aria-selected')).toBe('true')
  })

  it('moves the selection down with the arrow key', () => {
    const { getByTestId, onSelect } = renderWaterfall(undefined, { selectedId: 's2' })
    fireEvent.keyDown(getByTestId('waterfall-scroll'), { key: 'ArrowDown' })
    expect(onSelect).toHaveBeenCalledWith('s3')
  })

  it('shows a hostile span name as text and creates no element from it', () => {
    const name = '<img src=x onerror=alert(1)>'
    const { container } = renderWaterfall([span('a', '', 0, 10, { name, service: '<b>svc</b>' })])
    expect(container.querySelector('img')).toBeNull()
    expect(container.querySelector('b')).toBeNull()
    expect(container.textContent).toContain(name)
  })

  it('dims spans off the critical path when it is shown', () => {
    const spans = [span('r', '', 0, 100), span('fast', 'r', 10, 20), span('slow', 'r', 10, 80)]
    const tree = buildSpanTree(spans)
    const { container } = renderWaterfall(spans, { critical: segmentsById(criticalPath(tree)) })
    expect(container.querySelector('[data-span-id="fast"]')!.className).toContain('is-dimmed')
    expect(container.querySelector('[data-span-id="slow"]')!.getAttribute('data-critical')).toBe('true')
  })
})
