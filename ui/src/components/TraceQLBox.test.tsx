// @vitest-environment jsdom

import { cleanup, fireEvent, render } from '@testing-library/react'
import { MemoryRouter, useLocation } from 'react-router-dom'
import { afterEach, describe, expect, it } from 'vitest'
import { TraceQLBox } from './TraceQLBox'

afterEach(cleanup)

/** The page's query string, for the assertions. */
function Where() {
  return <output data-testid="where">{useLocation().search}</output>
}

function renderBox(form: Parameters<typeof TraceQLBox>[0]['form'], at = '/search') {
  return render(
    <MemoryRouter initialEntries={[at]}>
      <TraceQLBox form={form} range={{ lookback: '1h' }} />
      <Where />
    </MemoryRouter>,
  )
}

describe('TraceQLBox', () => {
  it('shows the form’s query as TraceQL, hostile text as text', () => {
    const evil = '<img src=x onerror=alert(1)>'
    const { getByTestId, container } = renderBox({ service: evil, status: 'error' })
    expect(getByTestId('traceql-of-form').textContent).toBe(
      '{ resource.service.name = "<img src=x onerror=alert(1)>" && status = error }',
    )
    expect(container.querySelector('img')).toBeNull()
  })

  it('opens an editor with the form’s query, and Run puts the query in the URL', () => {
    const { getByTestId } = renderBox({ service: 'orders' })
    fireEvent.click(getByTestId('traceql-edit'))
    const input = getByTestId('traceql-input') as HTMLTextAreaElement
    expect(input.value).toBe('{ resource.service.name = "orders" }')
    fireEvent.change(input, { target: { value: '{ name = "a" } > { name = "b" }' } })
    fireEvent.click(getByTestId('traceql-run'))
    expect(new URLSearchParams(getByTestId('where').textContent ?? '').get('traceql')).toBe(
      '{ name = "a" } > { name = "b" }',
    )
  })

  it('starts in the editor when the URL holds a query, and goes back to the form without it', () => {
    const { getByTestId, queryByTestId } = renderBox(
      {},
      `/search?traceql=${encodeURIComponent('{ kind = server }')}`,
    )
    expect((getByTestId('traceql-input') as HTMLTextAreaElement).value).toBe('{ kind = server }')
    fireEvent.click(getByTestId('traceql-close'))
    expect(getByTestId('where').textContent).toBe('')
    expect(queryByTestId('traceql-of-form')?.textContent).toBe('{}')
  })
})
