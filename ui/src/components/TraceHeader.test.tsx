// @vitest-environment jsdom

import { buildSpanTree } from '@skein/model/tree'
import { cleanup, fireEvent, render } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { findNPlusOne } from '../lib/fold'
import { span } from '../testing/spans'
import { TraceHeader } from './TraceHeader'

afterEach(cleanup)

const HOSTILE = '<img src=x onerror=alert(1)>'

function loop(name: string, n: number) {
  return [
    span('root', '', 0, 100, { service: 'gateway', name: 'GET /orders' }),
    ...Array.from({ length: n }, (_, i) =>
      span(`q${i}`, 'root', i * 3, 2, { service: 'orders', name, kind: 'Client' }),
    ),
  ]
}

describe('TraceHeader', () => {
  it('flags the costliest N+1 with its count and total, and goes to it', () => {
    const tree = buildSpanTree(loop('SELECT orders', 12))
    const found = findNPlusOne(tree)
    const onShow = vi.fn()
    const { getByTestId } = render(
      <TraceHeader
        traceId={'a'.repeat(32)}
        tree={tree}
        logCount={0}
        nPlusOne={found}
        onShowNPlusOne={onShow}
      />,
    )
    expect(getByTestId('trace-n-plus-one').textContent).toBe(
      'N+1 × 12 SELECT orders — 24 ms, one after anotherShow',
    )
    fireEvent.click(getByTestId('trace-n-plus-one-show'))
    expect(onShow).toHaveBeenCalledWith(found[0])
  })

  it('says nothing of N+1 in a trace without one', () => {
    const tree = buildSpanTree(loop('SELECT orders', 4))
    const { queryByTestId } = render(
      <TraceHeader traceId={'a'.repeat(32)} tree={tree} logCount={0} nPlusOne={findNPlusOne(tree)} />,
    )
    expect(queryByTestId('trace-n-plus-one')).toBeNull()
  })

  it('shows a hostile operation name as text', () => {
    const tree = buildSpanTree(loop(HOSTILE, 5))
    const { getByTestId, container } = render(
      <TraceHeader traceId={'a'.repeat(32)} tree={tree} logCount={0} nPlusOne={findNPlusOne(tree)} />,
    )
    expect(getByTestId('trace-n-plus-one').textContent).toContain(HOSTILE)
    expect(container.querySelector('img')).toBeNull()
  })
})
