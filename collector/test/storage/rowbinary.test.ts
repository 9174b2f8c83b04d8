import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SpanRow } from '../../src/rows.js'
import { SPAN_COLUMNS } from '../../src/rows.js'
import { encodeSpans, fileType, rowBinaryFor } from '../../src/storage/rowbinary.js'

/** A span whose TraceId is `s` and every other field empty: its encoding is 8 bytes, then `s`. */
const withTraceId = (s: string): SpanRow => [
  '0',
  s,
  '',
  '',
  '',
  '',
  '',
  '',
  {},
  '',
  '',
  {},
  0,
  '',
  '',
  [],
  [],
  [],
  [],
  [],
  [],
  [],
]

describe('the RowBinary encoder', () => {
  it('has the engine read LowCardinality strings as plain strings (the same bytes), map keys too, and the rest as declared', () => {
    expect(fileType('LowCardinality(String)')).toBe('String')
    expect(fileType('Map(LowCardinality(String), String)')).toBe('Map(String, String)')
    expect(fileType('Array(Map(LowCardinality(String), String))')).toBe('Array(Map(String, String))')
    expect(fileType('DateTime64(9)')).toBe('DateTime64(9)')
    const spans = rowBinaryFor(SPAN_COLUMNS)
    expect(spans?.structure).toContain('`ServiceName` String')
    expect(spans?.structure).not.toContain('LowCardinality')
    expect(spans?.types).toContain('LowCardinality(String)')
  })

  it('encodes any string, lone surrogates included, to the same UTF-8 bytes as Buffer', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = encodeSpans([withTraceId(s)])
        const want = Buffer.from(s, 'utf8')
        // LEB128 length: one byte below 128, two above (strings here stay under 16384 bytes).
        const [len, skip] = out[8] < 0x80 ? [out[8], 1] : [(out[8] & 0x7f) | (out[9] << 7), 2]
        expect(len).toBe(want.length)
        expect(out.subarray(8 + skip, 8 + skip + len).equals(want)).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('writes a nanosecond timestamp as a little-endian Int64 and a duration as a UInt64', () => {
    const row = withTraceId('')
    row[0] = '1764000000123456789'
    row[12] = 2 ** 40 + 7
    const out = encodeSpans([row])
    expect(out.readBigInt64LE(0)).toBe(1764000000123456789n)
    // Timestamp 8, six empty strings, an empty map, two empty strings, an empty map: then Duration.
    expect(out.readBigUInt64LE(8 + 7 + 1 + 2 + 1)).toBe(BigInt(2 ** 40 + 7))
  })
})
