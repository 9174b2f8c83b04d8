// @vitest-environment jsdom

import { COMPACT_MEDIA_TYPE, compactInputOf, encodeCompactTrace } from '@skein/model/compact'
import { act, cleanup, fireEvent, render, waitFor } from '@testing-library/react'
import { createMemoryRouter, RouterProvider } from 'react-router-dom'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Trace } from '../api/types'
import { fakeLayout } from '../testing/layout'
import { log, span } from '../testing/spans'
import { COMPACT_ABOVE, TracePage } from './Trace'

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

  it('restores the search, the filters and the window from the URL', async () => {
    const { findByTestId, getByTestId, getAllByTestId, container } = renderAt(
      `/traces/${traceId}?q=payment&errors=1&view=0.5-1`,
    )
    expect(((await findByTestId('trace-search')) as HTMLInputElement).value).toBe('payment')
    expect((getByTestId('trace-filter-errors') as HTMLInputElement).checked).toBe(true)
    // Only errors: the failed charge and, as context, its parent.
    expect(getAllByTestId('waterfall-row').map((r) => r.getAttribute('data-span-id'))).toEqual([
      'root',
      'pay',
    ])
    expect(container.querySelector('[data-span-id="pay"]')!.getAttribute('data-match')).toBe('true')
    expect(getByTestId('trace-search-count').textContent).toBe('1 match')
    expect(getByTestId('minimap-window').style.left).toBe('50%')
    expect(getAllByTestId('ruler-tick')[0].textContent).toBe('50 ms')
  })

  it('steps to the next match, selecting it and keeping it in the URL', async () => {
    const { findByTestId, getByTestId, router } = renderAt(`/traces/${traceId}?q=pay`)
    fireEvent.click(await findByTestId('trace-search-next'))
    await waitFor(() => expect(getByTestId('span-detail-name').textContent).toBe('charge'))
    expect(new URLSearchParams(router.state.location.search).get('span')).toBe('pay')
    expect(getByTestId('trace-search-count').textContent).toBe('1 of 2')
    fireEvent.click(getByTestId('trace-search-next'))
    await waitFor(() => expect(getByTestId('span-detail-name').textContent).toBe('INSERT payment'))
  })

  it('flags an N+1 in the header, folds the loop into one row and opens a deep link inside it', async () => {
    const loop: Trace = {
      ...trace,
      spans: [
        span('root', '', 0, 100, { service: 'gateway', name: 'GET /orders' }),
        ...Array.from({ length: 12 }, (_, i) =>
          span(`q${i}`, 'root', i * 5, 4, { service: 'orders', name: 'SELECT orders', kind: 'Client' }),
        ),
      ],
      logs: [],
    }
    const first = renderAt(`/traces/${traceId}`, loop)
    expect((await first.findByTestId('trace-n-plus-one')).textContent).toContain('× 12')
    expect(first.getByTestId('fold-count').textContent).toBe('× 12')
    expect(first.getAllByTestId('waterfall-row')).toHaveLength(1)
    fireEvent.click(first.getByTestId('waterfall-fold-toggle'))
    expect(first.getAllByTestId('waterfall-row')).toHaveLength(13)
    cleanup()
    const deep = renderAt(`/traces/${traceId}?span=q7`, loop)
    expect((await deep.findByTestId('span-detail-name')).textContent).toBe('SELECT orders')
    await waitFor(() => expect(deep.container.querySelector('[data-span-id="q7"]')).not.toBeNull())
  })

  it('opens a trace over the bound in compact form and fetches a selected span whole', async () => {
    const spans = [
      span('aaaaaaaaaaaaaaaa', '', 0, 100, { service: 'gateway', name: 'GET /checkout' }),
      span('bbbbbbbbbbbbbbbb', 'aaaaaaaaaaaaaaaa', 10, 60, {
        service: 'payments',
        name: 'charge',
        statusCode: 'Error',
        attributes: { 'card.brand': 'visa' },
      }),
    ]
    const compact = encodeCompactTrace(
      compactInputOf(traceId, spans, { logCount: new Map([['bbbbbbbbbbbbbbbb', 1]]) }),
    )
    const asked: string[] = []
    const fetch = vi.fn(async (input: string) => {
      const url = new URL(input, 'http://x')
      asked.push(url.pathname + url.search)
      if (url.pathname.endsWith('/compact'))
        return new Response(compact as Uint8Array<ArrayBuffer>, {
          headers: { 'content-type': COMPACT_MEDIA_TYPE },
        })
      if (url.pathname.includes('/spans/'))
        return Response.json({
          traceId,
          spans: [spans[1]],
          logs: [log('bbbbbbbbbbbbbbbb', 20, 'card declined')],
        })
      return Response.json({ traceId, truncated: true, spanCount: COMPACT_ABOVE + 1, spans: [], logs: [] })
    })
    vi.stubGlobal('fetch', fetch)
    const router = createMemoryRouter([{ path: '/traces/:id', element: <TracePage /> }], {
      initialEntries: [`/traces/${traceId}`],
    })
    const { findByTestId, getByTestId, findAllByTestId, container } = render(
      <RouterProvider router={router} />,
    )
    expect((await findByTestId('trace-compact')).textContent).toBe('Compact view')
    expect(getByTestId('trace-span-count').textContent).toBe('2')
    expect(getByTestId('trace-compact-logs').textContent).toContain('1 log lines')
    fireEvent.click(container.querySelector('[data-span-id="bbbbbbbbbbbbbbbb"]')!)
    await waitFor(() => expect(getByTestId('span-attributes').textContent).toContain('visa'))
    expect((await findAllByTestId('log-row')).map((r) => r.textContent)).toEqual([
      expect.stringContaining('card declined'),
    ])
    expect(asked).toEqual([
      `/api/v1/traces/${traceId}?maxSpans=${COMPACT_ABOVE}`,
      `/api/v1/traces/${traceId}/compact`,
      `/api/v1/traces/${traceId}/spans/bbbbbbbbbbbbbbbb`,
    ])
  })
})
