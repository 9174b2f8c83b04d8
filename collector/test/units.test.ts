import { describe, expect, it } from 'vitest'
import { formatDuration, parseBytes, parseDuration } from '../src/units.js'

describe('parseDuration', () => {
  it('understands the units people write', () => {
    expect(parseDuration('200ms')).toBe(200)
    expect(parseDuration('15s')).toBe(15_000)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration(' 1h ')).toBe(3_600_000)
    expect(parseDuration('7d')).toBe(7 * 86_400_000)
  })

  it('refuses a number without its unit, and units it does not know', () => {
    expect(parseDuration('5')).toBeUndefined()
    expect(parseDuration('5w')).toBeUndefined()
    expect(parseDuration('-5s')).toBeUndefined()
    expect(parseDuration('soon')).toBeUndefined()
  })
})

describe('formatDuration', () => {
  it('writes the largest unit that divides the duration', () => {
    expect(formatDuration(3_600_000)).toBe('1h')
    expect(formatDuration(90_000)).toBe('90s')
    expect(formatDuration(2 * 86_400_000)).toBe('2d')
    expect(formatDuration(1500)).toBe('1500ms')
  })

  it('writes what parseDuration reads back', () => {
    for (const ms of [1, 200, 1000, 60_000, 90_000, 3_600_000, 86_400_000, 1_234_567])
      expect(parseDuration(formatDuration(ms))).toBe(ms)
  })
})

describe('parseBytes', () => {
  it('understands decimal and binary units in any case, and bare bytes', () => {
    expect(parseBytes('4MiB')).toBe(4 * 1024 * 1024)
    expect(parseBytes('256KiB')).toBe(262_144)
    expect(parseBytes('1gib')).toBe(1024 ** 3)
    expect(parseBytes('1.5 kB')).toBe(1500)
    expect(parseBytes('1000')).toBe(1000)
  })

  it('refuses units it does not know', () => {
    expect(parseBytes('1 furlong')).toBeUndefined()
    expect(parseBytes('MiB')).toBeUndefined()
  })
})
