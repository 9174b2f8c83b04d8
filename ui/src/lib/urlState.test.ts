import { describe, expect, it } from 'vitest'
import {
  formatView,
  logFiltersToParams,
  parseLogFilters,
  parseSearchFilters,
  parseTimeRange,
  parseTraceViewState,
  parseView,
  searchFiltersToParams,
  withTraceViewState,
} from './urlState'

describe('time range in the URL', () => {
  it('defaults to the last hour', () => {
    expect(parseTimeRange(new URLSearchParams())).toEqual({ lookback: '1h' })
  })

  it('prefers absolute bounds and accepts Unix ms', () => {
    const r = parseTimeRange(new URLSearchParams('start=1700000000000&end=2023-11-15T00:00:00Z&lookback=5m'))
    expect(r).toEqual({ start: '2023-11-14T22:13:20.000Z', end: '2023-11-15T00:00:00.000Z' })
  })

  it('ignores a malformed lookback', () => {
    expect(parseTimeRange(new URLSearchParams('lookback=lots'))).toEqual({ lookback: '1h' })
  })
})

describe('search filters in the URL', () => {
  it('round-trips every filter', () => {
    const qs =
      'service=orders&operation=GET+%2Forders&minDurationMs=100&maxDurationMs=900&status=error&attr=http.status_code%3D500&attr=k%3Da%3Db&lookback=6h'
    const f = parseSearchFilters(new URLSearchParams(qs))
    expect(f).toMatchObject({
      service: 'orders',
      operation: 'GET /orders',
      minDurationMs: 100,
      status: 'error',
    })
    expect(f.attrs).toEqual(['http.status_code=500', 'k=a=b'])
    expect(searchFiltersToParams(f).toString()).toBe(qs)
  })

  it('drops invalid values instead of sending them to the API', () => {
    const f = parseSearchFilters(new URLSearchParams('minDurationMs=-3&status=weird&attr=noequals'))
    expect(f.minDurationMs).toBeUndefined()
    expect(f.status).toBe('')
    expect(f.attrs).toEqual([])
  })

  it('omits the default range and an operation without a service', () => {
    const f = parseSearchFilters(new URLSearchParams('operation=x'))
    expect(searchFiltersToParams(f).toString()).toBe('')
  })
})

describe('log filters in the URL', () => {
  it('reads the live-tail toggle', () => {
    expect(parseLogFilters(new URLSearchParams('live=1&q=timeout')).live).toBe(true)
    expect(parseLogFilters(new URLSearchParams('q=timeout')).q).toBe('timeout')
  })

  it('round-trips a pattern exactly, spaces and masks included, and the view', () => {
    const pattern = '  order <*> loaded for "<*>" & more  '
    const f = { ...parseLogFilters(new URLSearchParams()), pattern, view: 'patterns' as const }
    const back = parseLogFilters(new URLSearchParams(logFiltersToParams(f).toString()))
    expect(back.pattern).toBe(pattern)
    expect(back.view).toBe('patterns')
  })

  it('shows lines unless the URL asks for patterns, and leaves the default out', () => {
    expect(parseLogFilters(new URLSearchParams('view=nonsense')).view).toBe('lines')
    const f = parseLogFilters(new URLSearchParams('view=lines&pattern='))
    expect(logFiltersToParams(f).toString()).toBe('')
  })
})

describe('trace view state in the URL', () => {
  it('round-trips the selected span, the window, the search and the filters', () => {
    const s = parseTraceViewState(
      new URLSearchParams('span=abc&cp=1&view=0.25-0.5&q=SELECT+o&errors=1&cponly=1&minms=12.5&compact=1'),
    )
    expect(s).toEqual({
      span: 'abc',
      cp: true,
      view: { start: 0.25, end: 0.5 },
      q: 'SELECT o',
      errorsOnly: true,
      criticalOnly: true,
      minDurationMs: 12.5,
      compact: true,
    })
    const back = withTraceViewState(new URLSearchParams(), s)
    expect(parseTraceViewState(back)).toEqual(s)
  })

  it('leaves defaults out and keeps other parameters', () => {
    const p = withTraceViewState(new URLSearchParams('span=x&other=1&q=a'), {
      span: undefined,
      view: { start: 0, end: 1 },
      q: '',
      errorsOnly: false,
    })
    expect(p.toString()).toBe('other=1')
  })

  it('reads a malformed, reversed or out-of-range window as a valid one', () => {
    expect(parseView('nonsense')).toEqual({ start: 0, end: 1 })
    expect(parseView('0.5-0.2')).toEqual({ start: 0.2, end: 0.5 })
    expect(parseView('0.5-7')).toEqual({ start: 0.5, end: 1 })
    expect(parseView('-1-0.5')).toEqual({ start: 0, end: 1 })
    expect(parseView(null)).toEqual({ start: 0, end: 1 })
    expect(formatView({ start: 0.1234567891234, end: 0.3 })).toBe('0.123456789-0.3')
  })

  it('ignores a negative or non-numeric duration filter', () => {
    expect(parseTraceViewState(new URLSearchParams('minms=-5')).minDurationMs).toBeUndefined()
    expect(parseTraceViewState(new URLSearchParams('minms=abc')).minDurationMs).toBeUndefined()
  })
})
