import { describe, expect, it } from 'vitest'
import {
  formatCount,
  formatDurationMs,
  formatDurationNs,
  formatOffsetNs,
  formatPercent,
  formatRate,
  formatRelative,
  valueText,
} from './format'

describe('formatDurationNs', () => {
  it.each([
    [850, '850 ns'],
    [12_340, '12.3 µs'],
    [1_500_000, '1.5 ms'],
    [456_000_000, '456 ms'],
    // Regression: trimming "trailing zeros" of whole numbers once turned 120 ms into 12 ms.
    [120_000_000, '120 ms'],
    [100_000_000, '100 ms'],
    [10_000_000_000, '10 s'],
    [20_000, '20 µs'],
    // Regression: a log 999,999.6 ns after the trace start read "+1000 µs".
    [999_999.6, '1 ms'],
    [99_999, '100 µs'],
    [1_234_000_000, '1.23 s'],
    [125e9, '2m 05s'],
    [3720e9, '1h 02m'],
  ])('shows %d ns as %s', (ns, text) => {
    expect(formatDurationNs(ns)).toBe(text)
  })

  it('shows a missing duration as a dash', () => {
    expect(formatDurationMs(undefined)).toBe('—')
  })

  it('signs offsets', () => {
    expect(formatOffsetNs(2e6)).toBe('+2 ms')
    expect(formatOffsetNs(-2e6)).toBe('-2 ms')
  })
})

describe('formatPercent and formatCount', () => {
  it('keeps small error rates visible', () => {
    expect(formatPercent(0.0042)).toBe('0.42%')
    expect(formatPercent(0.25)).toBe('25%')
    expect(formatPercent(0)).toBe('0%')
  })

  it('abbreviates large counts', () => {
    expect(formatCount(950)).toBe('950')
    expect(formatCount(12_500)).toBe('13k')
    expect(formatCount(1_200)).toBe('1.2k')
    expect(formatCount(10_000)).toBe('10k')
    expect(formatCount(10_000)).toBe('10k')
  })
})

describe('formatRate', () => {
  it('keeps small rates readable instead of rounding them to zero', () => {
    expect(formatRate(0.0028)).toBe('<0.01')
    expect(formatRate(0.4213)).toBe('0.42')
    expect(formatRate(3.14)).toBe('3.1')
    expect(formatRate(1500)).toBe('1.5k')
  })
})

describe('formatRelative', () => {
  it('says how long ago', () => {
    const now = new Date('2025-01-01T12:00:00Z')
    expect(formatRelative(new Date('2025-01-01T11:55:00Z'), now)).toBe('5m ago')
  })
})

describe('valueText', () => {
  it('renders non-string attribute values as JSON text', () => {
    expect(valueText({ a: 1 })).toBe('{"a":1}')
    expect(valueText(null)).toBe('')
  })
})
