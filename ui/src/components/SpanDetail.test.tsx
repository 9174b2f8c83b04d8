// @vitest-environment jsdom

import { buildSpanTree } from '@skein/model/tree'
import { cleanup, fireEvent, render } from '@testing-library/react'
import { MemoryRouter } from 'react-router-dom'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { span } from '../testing/spans'
import { SpanDetail } from './SpanDetail'

afterEach(cleanup)

const hostile = '<img src=x onerror=alert(1)>'

function renderDetail(
  id: string,
  spans = [span('a', '', 0, 100), span('b', 'a', 10, 50)],
  onClose = vi.fn(),
) {
  const tree = buildSpanTree(spans)
  const view = render(
    <MemoryRouter>
      <SpanDetail node={tree.byId.get(id)!} tree={tree} logCount={2} onClose={onClose} />
    </MemoryRouter>,
  )
  return { ...view, onClose }
}

describe('SpanDetail', () => {
  it('shows attributes, resource, events, links and an error status as text', () => {
    const { getByTestId, container } = renderDetail('b', [
      span('a', '', 0, 100),
      span('b', 'a', 10, 50, {
        statusCode: 'Error',
        statusMessage: hostile,
        attributes: { 'http.route': hostile, 'db.rows': '3' },
        resource: { 'service.version': '1.2.3' },
        events: [
          {
            timestampNs: span('x', '', 20, 0).startNs,
            timestamp: span('x', '', 20, 0).start,
            name: 'exception',
            attributes: { 'exception.message': 'boom' },
          },
        ],
        links: [{ traceId: 'f'.repeat(32), spanId: '1'.repeat(16), traceState: '', attributes: {} }],
      }),
    ])
    expect(container.querySelector('img')).toBeNull()
    expect(getByTestId('span-attributes').textContent).toContain(hostile)
    expect(getByTestId('span-attributes').textContent).toContain('db.rows3')
    expect(container.textContent).toContain('service.version')
    expect(container.textContent).toContain('exception')
    expect(container.textContent).toContain('+20 ms')
    expect(
      container.querySelector(`a[href="/traces/${'f'.repeat(32)}?span=${'1'.repeat(16)}"]`),
    ).not.toBeNull()
    expect(container.querySelector('.badge-error')!.textContent).toBe('Error')
  })

  it('explains a span shown as a root because its parent is missing', () => {
    const { container } = renderDetail('x', [span('x', 'gone', 0, 10)])
    expect(container.textContent).toContain('parent span is not in this trace')
  })

  it('says when a span was moved to correct clock skew', () => {
    const { container } = renderDetail('b', [
      span('a', '', 100, 100, { service: 'x' }),
      span('b', 'a', 0, 50, { service: 'y' }),
    ])
    expect(container.textContent).toContain('Clock skew')
  })

  it('closes', () => {
    const { getByLabelText, onClose } = renderDetail('a')
    fireEvent.click(getByLabelText('Close span detail'))
    expect(onClose).toHaveBeenCalled()
  })
})
