import { describe, expect, it } from 'vitest'
import { unixToNs } from '../../src/query/shapes.js'

describe('a stored DateTime64 read as unix seconds', () => {
  it('becomes integer nanoseconds with every digit kept', () => {
    expect(unixToNs('1796536376.048215341')).toBe('1796536376048215341')
    expect(unixToNs('1796536376.000000000')).toBe('1796536376000000000')
  })
  it('pads a shorter fraction and a whole second', () => {
    expect(unixToNs('12.5')).toBe('12500000000')
    expect(unixToNs('5')).toBe('5000000000')
  })
  it('has no leading zeros in the first second of the epoch', () => {
    expect(unixToNs('0.000000001')).toBe('1')
    expect(unixToNs('0.000000000')).toBe('0')
    expect(unixToNs('0')).toBe('0')
  })
})
