import { describe, expect, it } from 'vitest'
import { severityLevel } from './levels.js'

describe('severityLevel', () => {
  it('reads the band of the severity number, four numbers a level', () => {
    expect([1, 4, 5, 9, 12, 13, 17, 21, 24, 30].map((n) => severityLevel(n))).toEqual([
      'trace',
      'trace',
      'debug',
      'info',
      'info',
      'warn',
      'error',
      'fatal',
      'fatal',
      'fatal',
    ])
  })

  it('falls back to the text, in any ASCII case, when there is no number', () => {
    expect(severityLevel(0, 'WARNING')).toBe('warn')
    expect(severityLevel(0, 'Err')).toBe('error')
    expect(severityLevel(undefined, 'notice')).toBe('info')
    expect(severityLevel(0, 'CRIT')).toBe('fatal')
    expect(severityLevel(0, 'noticed')).toBe('unknown')
    expect(severityLevel(0, '')).toBe('unknown')
  })

  it('lowercases ASCII only, as ClickHouse does: a dotted capital I names no level', () => {
    expect(severityLevel(0, 'İNFO')).toBe('unknown')
  })

  it('prefers the number to the text', () => {
    expect(severityLevel(17, 'info')).toBe('error')
  })
})
