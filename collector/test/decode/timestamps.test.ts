import { describe, expect, it } from 'vitest'
import {
  decodeLogsJson,
  decodeTracesJson,
  futureCutoffNs,
  isStorableNs,
  rejectExpired,
  rejectFuture,
  retentionCutoffNs,
} from '../../src/decode/index.js'

/** A decoder's result of `[time, name]` rows, as the cut-offs take it. */
const decoded = (rows: [string, string][], rejected = 0, rejectReason?: string) => ({
  rows,
  rejected,
  rejectReason,
})

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

describe('the retention cut-off', () => {
  it('is the given number of days before now, in nanoseconds', () => {
    expect(retentionCutoffNs(1, 1_800_000_000_000)).toBe('1799913600000000000')
    expect(retentionCutoffNs(30, 1_800_000_000_000)).toBe('1797408000000000000')
  })

  it('rejects rows older than it, counts them, and keeps the rest in order', () => {
    const cutoff = '1799913600000000000'
    const d = rejectExpired(
      decoded([
        ['1799913600000000000', 'at the cut-off'],
        ['1799913599999999999', 'a nanosecond before'],
        ['1800000000000000000', 'now'],
        ['1000000000000000000', 'years before'],
      ]),
      cutoff,
      1,
    )
    expect(d.rows.map((r) => r[1])).toEqual(['at the cut-off', 'now'])
    expect(d.expired).toBe(2)
    expect(d.rejected).toBe(2)
    expect(d.rejectReason).toBe('2 items older than the retention (1 days) not stored')
  })

  it('adds to what the decoder rejected and keeps its first reason', () => {
    const d = rejectExpired(decoded([['1000000000000000000', 'old']], 3, 'bad id'), '1799913600000000000', 1)
    expect(d).toEqual({ rows: [], rejected: 4, rejectReason: 'bad id', expired: 1 })
  })

  it('leaves a request with nothing expired as it was', () => {
    const rows: [string, string][] = [['1800000000000000000', 'now']]
    expect(rejectExpired(decoded(rows), '1799913600000000000', 1)).toEqual({
      rows,
      rejected: 0,
      expired: 0,
    })
  })
})

describe('the future cut-off (issue 18.4)', () => {
  it('is the given time after now, in nanoseconds', () => {
    expect(futureCutoffNs(3_600_000, 1_800_000_000_000)).toBe('1800003600000000000')
  })

  it('rejects rows after it, counts them, names the limit, and keeps the rest in order', () => {
    const d = rejectFuture(
      decoded([
        ['1800003600000000000', 'at the cut-off'],
        ['1800003600000000001', 'a nanosecond after'],
        ['1800000000000000000', 'now'],
        ['1900000000000000000', 'years ahead'],
      ]),
      '1800003600000000000',
      '1h',
    )
    expect(d.rows.map((r) => r[1])).toEqual(['at the cut-off', 'now'])
    expect(d.future).toBe(2)
    expect(d.rejected).toBe(2)
    expect(d.rejectReason).toBe('2 items more than 1h in the future not stored')
  })

  it('adds to what was rejected before and keeps its first reason', () => {
    const d = rejectFuture(decoded([['1900000000000000000', 'ahead']], 1, 'old'), '1800003600000000000', '1h')
    expect(d).toEqual({ rows: [], rejected: 2, rejectReason: 'old', future: 1 })
  })
})
