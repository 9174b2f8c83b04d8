import { describe, expect, it } from 'vitest'
import { L, LOG_COLUMNS, LOG_TABLE, newLogRow, newSpanRow, S, SPAN_COLUMNS, SPAN_TABLE } from '../src/rows.js'

describe('the row shapes', () => {
  it('name each column by its position in the declaration, and list the columns in that order', () => {
    for (const [table, positions, columns] of [
      [SPAN_TABLE, S, SPAN_COLUMNS],
      [LOG_TABLE, L, LOG_COLUMNS],
    ] as const) {
      expect(columns).toEqual(table.map(([name]) => name))
      expect(Object.entries(positions)).toEqual(table.map(([name], i) => [name, i]))
    }
  })

  it('start new rows with every column empty, the shared empty maps and arrays frozen', () => {
    const span = newSpanRow()
    expect(span).toHaveLength(SPAN_TABLE.length)
    expect([span[S.Timestamp], span[S.Duration], span[S.SpanAttributes], span[S['Links.TraceId']]]).toEqual([
      '',
      0,
      {},
      [],
    ])
    expect(Object.isFrozen(span[S.ResourceAttributes]) && Object.isFrozen(span[S['Events.Name']])).toBe(true)
    const log = newLogRow()
    expect(log).toHaveLength(LOG_TABLE.length)
    expect([log[L.TraceFlags], log[L.SeverityNumber], log[L.Body], log[L.LogAttributes]]).toEqual([
      0,
      0,
      '',
      {},
    ])
    // Each call a row of its own.
    expect(newLogRow()).not.toBe(log)
  })
})
