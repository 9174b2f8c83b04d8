import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { durationNs, hexOf, i64ToDecimal, ProtoReader, u64ToDecimal } from '../../src/decode/protobuf.js'
import { bytes, code, varint } from './helpers.js'

const hi = (n: bigint) => Number(BigInt.asUintN(64, n) >> 32n)
const lo = (n: bigint) => Number(BigInt.asUintN(32, n))

describe('u64ToDecimal and i64ToDecimal', () => {
  it('print 64-bit values exactly, as BigInt would', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (n) => {
        expect(u64ToDecimal(hi(n), lo(n))).toBe(n.toString())
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        expect(i64ToDecimal(hi(n), lo(n))).toBe(n.toString())
      }),
      { numRuns: 2000 },
    )
  })

  it('get the edges right', () => {
    for (const n of [
      0n,
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 53n + 1n,
      1_700_000_000_123_456_789n,
      2n ** 64n - 1n,
    ]) {
      expect(u64ToDecimal(hi(n), lo(n))).toBe(n.toString())
    }
    expect(i64ToDecimal(hi(-1n), lo(-1n))).toBe('-1')
    expect(i64ToDecimal(hi(-(2n ** 63n)), lo(-(2n ** 63n)))).toBe('-9223372036854775808')
    expect(i64ToDecimal(hi(-(2n ** 32n)), lo(-(2n ** 32n)))).toBe('-4294967296')
  })
})

describe('durationNs', () => {
  it('subtracts across the 32-bit boundary exactly and clamps negatives to 0', () => {
    const a = 1_700_000_000_999_999_999n
    const b = 1_700_000_001_000_000_001n
    expect(durationNs(hi(a), lo(a), hi(b), lo(b))).toBe(2)
    expect(durationNs(hi(b), lo(b), hi(a), lo(a))).toBe(0)
  })
})

describe('ProtoReader', () => {
  it('reads varints of every length up to 64 bits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (n) => {
        const r = new ProtoReader(bytes(varint(n)))
        r.varint64(r.len)
        expect(r.pos).toBe(r.len)
        expect((BigInt(r.hi) << 32n) | BigInt(r.lo)).toBe(n)
      }),
      { numRuns: 1000 },
    )
  })

  it('refuses an 11-byte varint and a truncated one', () => {
    const r = new ProtoReader(bytes(Array(10).fill(0xff), [1]))
    expect(code(() => r.varint64(r.len))).toBe('SKEIN_ERR_BAD_PROTOBUF')
    const t = new ProtoReader(bytes([0x80, 0x80]))
    expect(code(() => t.varint64(t.len))).toBe('SKEIN_ERR_BAD_PROTOBUF')
  })

  it('reads fixed64, fixed32 and doubles little-endian, refusing short reads', () => {
    const b = Buffer.alloc(20)
    b.writeBigUInt64LE(0x0102030405060708n, 0)
    b.writeUInt32LE(0xfffffffe, 8)
    b.writeDoubleLE(-2.5, 12)
    const r = new ProtoReader(b)
    r.fixed64(r.len)
    expect([r.hi, r.lo]).toEqual([0x01020304, 0x05060708])
    expect(r.fixed32(r.len)).toBe(0xfffffffe)
    expect(r.double(r.len)).toBe(-2.5)
    expect(code(() => r.fixed32(r.len))).toBe('SKEIN_ERR_BAD_PROTOBUF')
  })

  it('decodes strings as UTF-8 and hex with a table', () => {
    const s = 'héllo, 世界 🎉'
    const r = new ProtoReader(bytes(varint(Buffer.byteLength(s)), [...Buffer.from(s)]))
    expect(r.string(r.len, 'test')).toBe(s)
    expect(hexOf(Uint8Array.from([0, 15, 16, 255]), 0, 4)).toBe('000f10ff')
  })

  it('prints ids of every length as the lowercase hex Buffer prints', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(8), (b, at) => {
        const buf = Buffer.concat([Buffer.alloc(at), b, Buffer.alloc(3)])
        expect(hexOf(buf, at, at + b.length)).toBe(Buffer.from(b).toString('hex'))
      }),
      { numRuns: 2000 },
    )
    for (const n of [8, 16]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 250) & 0xff)
      expect(hexOf(b, 0, n)).toBe(Buffer.from(b).toString('hex'))
    }
  })

  it('decodes any bytes as strings exactly as Buffer#toString does, invalid UTF-8 included, again from its cache', () => {
    // The reader calls Buffer's native utf8Slice, which Node does not document: this holds it to toString.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        const msg = bytes(varint(b.length), [...b], varint(b.length), [...b])
        const r = new ProtoReader(msg)
        const want = Buffer.from(b).toString('utf8')
        expect(r.string(r.len, 'first')).toBe(want)
        expect(r.string(r.len, 'second')).toBe(want)
      }),
      { numRuns: 2000 },
    )
  })

  it('checks a length against the enclosing message, not just the buffer', () => {
    const r = new ProtoReader(bytes([5, 1, 2, 3, 4, 5, 6, 7]))
    expect(() => r.length(4, 'inner')).toThrow(/length 5 of inner at byte 0 exceeds the 3 bytes left/)
  })
})
