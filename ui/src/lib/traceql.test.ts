import type { TempoTrace } from '@skein/model'
import { describe, expect, it } from 'vitest'
import { formOfFilters, tempoRows, tempoSeconds } from './traceql'

describe('the TraceQL box', () => {
  it('reads the form’s filters, leaving out the empty ones', () => {
    expect(
      formOfFilters({
        service: 'orders',
        operation: '',
        status: 'error',
        attrs: ['tenant=acme'],
        minDurationMs: 500,
        range: { lookback: '1h' },
      }),
    ).toEqual({ service: 'orders', status: 'error', attrs: ['tenant=acme'], minDurationMs: 500 })
  })

  it('asks Tempo for whole seconds that cover the range', () => {
    expect(tempoSeconds([1_700_000_000_500, 1_700_000_060_001])).toEqual({
      start: 1_700_000_000,
      end: 1_700_000_061,
    })
  })

  it('turns Tempo’s traces into result rows: spans and errors summed over services, matched spans kept', () => {
    const t: TempoTrace = {
      traceID: 'ab'.repeat(16),
      rootServiceName: 'gateway',
      rootTraceName: 'GET /orders',
      startTimeUnixNano: '1700000000123456789',
      durationMs: 100,
      spanSets: [{ spans: [], matched: 2 }],
      spanSet: { spans: [], matched: 2 },
      serviceStats: { orders: { spanCount: 2, errorCount: 1 }, gateway: { spanCount: 1 } },
    }
    expect(tempoRows([t])).toEqual([
      {
        traceId: t.traceID,
        rootService: 'gateway',
        rootName: 'GET /orders',
        startNs: '1700000000123456789',
        start: '2023-11-14T22:13:20.123Z',
        durationNs: '100000000',
        durationMs: 100,
        spanCount: 3,
        errorCount: 1,
        services: ['gateway', 'orders'],
        matched: 2,
      },
    ])
  })
})
