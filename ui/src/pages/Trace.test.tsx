// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, waitFor } from '@testing-library/react'
import { createMemoryRouter, RouterProvider } from 'react-router-dom'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Trace } from '../api/types'
import { fakeLayout } from '../testing/layout'
import { log, span } from '../testing/spans'
import { TracePage } from './Trace'

// jsdom's fetch cannot reach a relative /api/v1 URL and no collector runs in unit tests; the browser tests
// (test/ui) cover the real thing. Here fetch answers with a fixed trace.
const traceId = 'a'.repeat(32)
const trace: Trace = {
  traceId,
  truncated: false,
  spans: [
    span('root', '', 0, 100, { service: 'gateway', name: 'GET /checkout' }),
    span('pay', 'root', 10, 60, { service: 'payments', name: 'charge', statusCode: 'Error' }),
    span('db', 'pay', 20, 10, { service: 'payments', name: 'INSERT payment' }),
  ],
  logs: [
    log('root', 1, 'checkout started'),
    log('db', 22, 'inserting payment'),
    log('pay', 65, 'card declined'),
  ],
}

beforeAll(() => fakeLayout())
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

function renderAt(url: string, body: unknown = trace, status = 200) {
  vi.stubGlobal(
    'fetch',
    vi.fn(
      async () =>
        new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }),
    ),
  )
  const router = createMemoryRouter([{ path: '/traces/:id', element: <TracePage /> }], {
    initialEntries: [url],
  })
  return { ...render(<RouterProvider router={router} />), router }
}

describe('TracePage', () => {
  it('shows the header, every span in the waterfall and every log line', async () => {
    const { findByTestId, getAllByTestId, getByTestId } = renderAt(`/traces/${traceId}`)
    expect((await findByTestId('trace-span-count')).textContent).toBe('3')
    expect(getByTestId('trace-root-name').textContent).toBe('GET /checkout')
    expect(getByTestId('trace-error-count').textContent).toBe('1 error')
    expect(getAllByTestId('waterfall-row')).toHaveLength(3)
    expect(getAllByTestId('log-row')).toHaveLength(3)
  })

  it('selects the span of a clicked log line, opens its detail and keeps it in the URL', async () => {
    const { findAllByTestId, getByTestId, router, container } = renderAt(`/traces/${traceId}`)
    const logRows = await findAllByTestId('log-row')
    fireEvent.click(logRows[1])
    await waitFor(() => expect(getByTestId('span-detail-name').textContent).toBe('INSERT payment'))
    expect(router.state.location.search).toBe('?span=db')
    expect(container.querySelector('[data-span-id="db"]')!.getAttribute('aria-selected')).toBe('true')
  })

  it('expands a collapsed parent to reveal the span of a clicked log line', async () => {
    const { findAllByTestId, getAllByTestId, container } = renderAt(`/traces/${traceId}`)
    const toggles = await findAllByTestId('waterfall-toggle')
    fireEvent.click(toggles[0])
    expect(getAllByTestId('waterfall-row')).toHaveLength(1)
    fireEvent.click(getAllByTestId('log-row')[1])
    await waitFor(() => expect(container.querySelector('[data-span-id="db"]')).not.toBeNull())
  })

  it('opens a deep link with its span selected and the critical path on', async () => {
    const { findByTestId, getByTestId } = renderAt(`/traces/${traceId}?span=pay&cp=1`)
    expect((await findByTestId('span-detail-name')).textContent).toBe('charge')
    expect(getByTestId('critical-path-toggle').getAttribute('aria-pressed')).toBe('true')
  })

  it('says so when the trace does not exist', async () => {
    const { findByTestId } = renderAt(
      `/traces/${traceId}`,
      { error: { code: 'SKEIN_ERR_NOT_FOUND', message: 'nope' } },
      404,
    )
    expect((await findByTestId('state-error')).textContent).toContain('Trace not found')
  })

  it('highlights the logs of a span selected in the waterfall', async () => {
    const { findAllByTestId, getAllByTestId } = renderAt(`/traces/${traceId}`)
    const rows = await findAllByTestId('waterfall-row')
    await act(async () => fireEvent.click(rows[1]))
    const marked = getAllByTestId('log-row').map((r) => r.getAttribute('data-highlighted') === 'true')
    expect(marked).toEqual([false, false, true])
  })
})
