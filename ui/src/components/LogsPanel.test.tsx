// @vitest-environment jsdom

import { buildSpanTree } from '@skein/model/tree'
import { cleanup, fireEvent, render } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { mapLogsToSpans } from '../lib/logs'
import { fakeLayout } from '../testing/layout'
import { log, span } from '../testing/spans'
import { LogsPanel } from './LogsPanel'

beforeAll(() => fakeLayout({ width: 500, height: 600 }, 46))
afterEach(cleanup)

const tree = buildSpanTree([
  span('a', '', 0, 100, { name: 'GET /orders' }),
  span('b', 'a', 10, 50, { name: 'SELECT orders' }),
])
const logs = mapLogsToSpans(tree, [
  log('a', 1, 'request received'),
  log('b', 20, 'query took long', { severityNumber: 13, severityText: 'WARN' }),
  log('b', 30, 'query done'),
  log('', 40, 'no span at all'),
])

function renderPanel(selectedSpanId?: string) {
  const onSelectSpan = vi.fn()
  const view = render(
    <LogsPanel logs={logs.logs} tree={tree} selectedSpanId={selectedSpanId} onSelectSpan={onSelectSpan} />,
  )
  return { ...view, onSelectSpan }
}

describe('LogsPanel', () => {
  it('lists every log line of the trace in time order with the span that wrote it', () => {
    const { getAllByTestId } = renderPanel()
    const rows = getAllByTestId('log-row')
    expect(rows.map((r) => r.querySelector('[data-testid="log-message"]')!.textContent)).toEqual([
      'request received',
      'query took long',
      'query done',
      'no span at all',
    ])
    expect(rows[1].textContent).toContain('SELECT orders')
    expect(rows[3].textContent).toContain('no span')
  })

  it('highlights the lines of the selected span and only those', () => {
    const { getAllByTestId } = renderPanel('b')
    const marked = getAllByTestId('log-row').map((r) => r.getAttribute('data-highlighted') === 'true')
    expect(marked).toEqual([false, true, true, false])
  })

  it('selects the span that wrote a line when the line is clicked', () => {
    const { getAllByTestId, onSelectSpan } = renderPanel()
    fireEvent.click(getAllByTestId('log-row')[1])
    expect(onSelectSpan).toHaveBeenCalledWith('b')
  })

  it('does nothing for a line without a span', () => {
    const { getAllByTestId, onSelectSpan } = renderPanel()
    fireEvent.click(getAllByTestId('log-row')[3])
    expect(onSelectSpan).not.toHaveBeenCalled()
  })

  it('can show only the selected span’s lines', () => {
    const { getAllByTestId, getByLabelText } = renderPanel('b')
    fireEvent.click(getByLabelText('Only selected span'))
    expect(getAllByTestId('log-row')).toHaveLength(2)
  })

  it('shows a hostile message and attributes as text', () => {
    const hostile = '<img src=x onerror=alert(1)>'
    const l = mapLogsToSpans(tree, [log('a', 1, hostile, { attributes: { [hostile]: hostile } })])
    const { container, getByLabelText } = render(
      <LogsPanel logs={l.logs} tree={tree} onSelectSpan={() => {}} />,
    )
    fireEvent.click(getByLabelText('Expand log line'))
    expect(container.querySelector('img')).toBeNull()
    expect(container.textContent).toContain(hostile)
  })
})
