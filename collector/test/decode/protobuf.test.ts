import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  durationNs,
  hexOf,
  i64ToDecimal,
  ProtoReader,
  protoMessage,
  u64ToDecimal,
} from '../../src/decode/protobuf.js'
import { bytes, code, fixed64, ld, tag, varint } from './helpers.js'

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

  it('keeps a fixed64 by its offset and prints it, or the difference of two, once asked', () => {
    const start = 1_795_722_832_951_000_123n
    const r = new ProtoReader(bytes(fixed64(1, start), fixed64(2, start + 2n ** 32n + 5n)))
    r.tag(r.len)
    const startAt = r.fixed64At(r.len)
    r.tag(r.len)
    const endAt = r.fixed64At(r.len)
    expect(r.pos).toBe(r.len)
    expect([r.u64At(startAt), r.u64At(endAt), r.u64At(-1)]).toEqual([
      '1795722832951000123',
      '1795722837245967424',
      '0',
    ])
    expect(r.durationAt(startAt, endAt)).toBe(2 ** 32 + 5)
    expect(r.durationAt(endAt, startAt)).toBe(0)
    expect(code(() => new ProtoReader(bytes([1, 2, 3])).fixed64At(3))).toBe('SKEIN_ERR_BAD_PROTOBUF')
  })

  it('reads an embedded message up to the end its length prefix gives', () => {
    const r = new ProtoReader(bytes(ld(1, 'abc'), [9]))
    r.tag(r.len)
    expect(r.sub(r.len, 'm.f')).toBe(5)
    expect(code(() => new ProtoReader(bytes([9, 1])).sub(2, 'm.f'))).toBe('SKEIN_ERR_BAD_PROTOBUF')
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

describe('protoMessage', () => {
  const LINK = protoMessage(`message Span.Link { bytes trace_id = 1; string trace_state = 3;
    repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6;
    fixed64 t = 7; double d = 8; sint64 s = 9; }`)

  it('gives each field its tag, wire type from its .proto type, and its name for errors', () => {
    expect(LINK.name).toBe('Span.Link')
    expect(LINK.tag).toEqual({
      trace_id: (1 << 3) | 2,
      trace_state: (3 << 3) | 2,
      attributes: (4 << 3) | 2,
      dropped_attributes_count: (5 << 3) | 0,
      flags: (6 << 3) | 5,
      t: (7 << 3) | 1,
      d: (8 << 3) | 1,
      s: (9 << 3) | 0,
    })
    expect(LINK.what.flags).toBe('Span.Link.flags')
    expect([...LINK.wires]).toEqual([-1, 2, -1, 2, 2, 0, 5, 1, 1, 0])
  })

  it('makes ProtoReader.other refuse a known field of the wrong wire type and skip an unknown one', () => {
    const wrong = new ProtoReader(bytes(tag(6, 0), varint(1)))
    expect(() => wrong.other(wrong.tag(wrong.len), wrong.len, LINK)).toThrow(
      /wrong wire type varint for Span.Link field 6/,
    )
    const unknown = new ProtoReader(bytes(tag(12, 0), varint(1)))
    unknown.other(unknown.tag(unknown.len), unknown.len, LINK)
    expect(unknown.pos).toBe(unknown.len)
  })

  it('refuses text that is not a message', () => {
    expect(() => protoMessage('enum Kind { A = 0; }')).toThrow(/not a message/)
  })
})
