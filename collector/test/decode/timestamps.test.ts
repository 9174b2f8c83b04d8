import { describe, expect, it } from 'vitest'
import { decodeLogsJson, decodeTracesJson, isStorableNs } from '../../src/decode/index.js'

const span = (over: Record<string, unknown>) => ({
  resourceSpans: [
    { scopeSpans: [{ spans: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'x', ...over }] }] },
  ],
})

describe('timestamps that storage would refuse', () => {
  it('are told apart from storable ones', () => {
    expect(isStorableNs('1795722832951000000')).toBe(true)
    expect(isStorableNs('9223372036854775807')).toBe(true)
    for (const bad of ['0', '123', '9223372036854775808', '12345678901234567890', '0795722832951000000']) {
      expect(isStorableNs(bad), bad).toBe(false)
    }
  })

  // Regression: a span with a null start time made the whole batch's insert fail with 503 (found by fuzzing).
  it('reject a span without a usable start time through partial success', () => {
    const d = decodeTracesJson(span({ startTimeUnixNano: null, endTimeUnixNano: '1795722832951000000' }))
    expect(d.rows).toEqual([])
    expect(d.rejected).toBe(1)
    expect(d.rejectReason).toMatch(/start time/)
  })

  it('give an event with a bad time its span start, and a duration past the range 0', () => {
    const start = '1795722832951000000'
    const d = decodeTracesJson(
      span({
        startTimeUnixNano: start,
        endTimeUnixNano: '18446744073709551615',
        events: [{ timeUnixNano: '5', name: 'e' }],
      }),
    )
    expect(d.rows[0][0]).toBe(start)
    expect(d.rows[0][15]).toEqual([start])
    expect(d.rows[0][12]).toBe(0)
  })

  it('give a log record without a usable time the time it was received', () => {
    const before = BigInt(Date.now()) * 1_000_000n
    const d = decodeLogsJson({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }],
    })
    expect(BigInt(d.rows[0][0])).toBeGreaterThanOrEqual(before)
  })

  it('store a log severity number the column cannot hold as 0 (unspecified), not wrapped around', () => {
    const line = (severityNumber: number) => ({
      resourceLogs: [
        { scopeLogs: [{ logRecords: [{ timeUnixNano: '1795722832951000000', severityNumber }] }] },
      ],
    })
    expect(decodeLogsJson(line(300)).rows[0][5]).toBe(0)
    expect(decodeLogsJson(line(-1)).rows[0][5]).toBe(0)
    expect(decodeLogsJson(line(17)).rows[0][5]).toBe(17)
  })
})
