// @vitest-environment jsdom

import { buildSpanTree } from '@skein/model/tree'
import { cleanup, fireEvent, render } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { criticalPath, segmentsById } from '../lib/criticalPath'
import { flattenTree } from '../lib/rows'
import { fakeLayout } from '../testing/layout'
import { bigTrace, span } from '../testing/spans'
import { Waterfall } from './Waterfall'

beforeAll(() => fakeLayout())
afterEach(cleanup)

function renderWaterfall(spans = bigTrace(50), extra: Partial<Parameters<typeof Waterfall>[0]> = {}) {
  const tree = buildSpanTree(spans)
  const rows = flattenTree(tree, new Set())
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

  it('draws bars, ticks and markers in the window of the time axis it is given', () => {
    const spans = [span('r', '', 0, 100), span('early', 'r', 0, 10), span('late', 'r', 60, 20)]
    const markers = new Map([
      ['early', [{ fraction: 0.05, level: 'info' as const, logIndex: 0 }]],
      ['late', [{ fraction: 0.7, level: 'warn' as const, logIndex: 1 }]],
    ])
    const { container, getAllByTestId } = renderWaterfall(spans, { view: { start: 0.5, end: 1 }, markers })
    const bar = (id: string) => container.querySelector<HTMLElement>(`[data-span-id="${id}"] .wf-bar`)
    expect(bar('early')).toBeNull()
    expect(bar('late')!.style.left).toBe('20%')
    expect(bar('late')!.style.width).toBe('40%')
    expect(bar('r')!.className).toContain('is-cut-start')
    expect(container.querySelectorAll('.wf-marker')).toHaveLength(1)
    expect(getAllByTestId('ruler-tick')[0].textContent).toBe('50 ms')
  })

  it('draws a fold row for repeated calls with their count, total and longest, and toggles it', () => {
    const spans = [span('p', '', 0, 100)]
    for (let i = 0; i < 30; i++)
      spans.push(span(`q${i}`, 'p', i * 3, i === 7 ? 12 : 2, { service: 'orders', name: 'SELECT orders' }))
    const onToggleFold = vi.fn()
    const { getByTestId, getAllByTestId } = renderWaterfall(spans, { onToggleFold })
    expect(getAllByTestId('waterfall-row')).toHaveLength(1)
    const fold = getByTestId('waterfall-fold')
    expect(getByTestId('fold-count').textContent).toBe('× 30')
    expect(getByTestId('fold-stats').textContent).toBe('— total 70 ms, max 12 ms')
    expect(fold.textContent).toContain('SELECT orders')
    expect(fold.querySelectorAll('.wf-fold-tick')).toHaveLength(30)
    fireEvent.click(getByTestId('waterfall-fold-toggle'))
    expect(onToggleFold).toHaveBeenCalledWith(fold.getAttribute('data-fold-id'))
  })

  it('shows a hostile name in a fold row as text', () => {
    const name = '<script>window.__pwned=1</script><img src=x onerror=alert(1)>'
    const spans = [span('p', '', 0, 10)]
    for (let i = 0; i < 5; i++) spans.push(span(`q${i}`, 'p', i, 1, { name, service: '<b>x</b>' }))
    const { container, getByTestId } = renderWaterfall(spans)
    expect(getByTestId('waterfall-fold').textContent).toContain(name)
    expect(container.querySelector('img, script, b')).toBeNull()
  })

  it('highlights search matches, dims the rest and marks filter context', () => {
    const spans = [span('r', '', 0, 100), span('a', 'r', 0, 10), span('b', 'r', 20, 10)]
    const tree = buildSpanTree(spans)
    const isMatch = new Uint8Array(3)
    isMatch[tree.byId.get('a')!.index] = 1
    const passes = new Uint8Array(3).fill(1)
    passes[tree.byId.get('r')!.index] = 0
    const { container } = renderWaterfall(spans, { isMatch, passes })
    const row = (id: string) => container.querySelector(`[data-span-id="${id}"]`)!
    expect(row('a').getAttribute('data-match')).toBe('true')
    expect(row('a').className).toContain('is-match')
    expect(row('b').className).toContain('is-dimmed')
    expect(row('r').className).toContain('is-context')
  })
})
