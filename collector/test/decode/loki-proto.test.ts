import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodePush as encode } from '../../../test/helpers/loki-proto.js'
import { decodeLokiJson, decodeLokiProto } from '../../src/decode/index.js'
import { parseLabels } from '../../src/decode/loki-proto.js'
import { isSkeinError } from '../../src/errors.js'

const opts = { maxLineBytes: 65_536 }
const TRACE = '0af7651916cd43dd8448eb211c80319c'
const line = (msg: string, level = 30) =>
  JSON.stringify({ level, msg, trace_id: TRACE, span_id: 'b7ad6b7169203331' })

describe('a Loki protobuf push', () => {
  it('gives the same rows as the same push in JSON', () => {
    const bytes = encode({
      streams: [
        {
          labels: '{service_name="shop", env="prod"}',
          entries: [
            { timestamp: { seconds: 1795722832, nanos: 951000123 }, line: line('order placed') },
            {
              timestamp: { seconds: 1795722833, nanos: 0 },
              line: 'plain text line',
              structuredMetadata: [
                { name: 'trace_id', value: TRACE },
                { name: 'pod', value: 'p-1' },
              ],
            },
          ],
          hash: 12345,
        },
        {
          labels: '{job="batch"}',
          entries: [{ timestamp: { seconds: 1795722834 }, line: line('done', 50) }],
        },
      ],
    })
    const json = {
      streams: [
        {
          stream: { service_name: 'shop', env: 'prod' },
          values: [
            ['1795722832951000123', line('order placed')],
            ['1795722833000000000', 'plain text line', { trace_id: TRACE, pod: 'p-1' }],
          ],
        },
        { stream: { job: 'batch' }, values: [['1795722834000000000', line('done', 50)]] },
      ],
    }
    const rows = decodeLokiProto(bytes, opts).rows
    expect(rows).toEqual(decodeLokiJson(json, opts).rows)
    expect(rows.map((r) => [r[0], r[1], r[4], r[6], r[7]])).toEqual([
      ['1795722832951000123', TRACE, 'INFO', 'shop', 'order placed'],
      ['1795722833000000000', TRACE, '', 'shop', 'plain text line'],
      ['1795722834000000000', TRACE, 'ERROR', 'batch', 'done'],
    ])
  })

  it('reads timestamps exactly, nanos past a second included, and refuses a negative one', () => {
    const at = (timestamp: object) =>
      decodeLokiProto(encode({ streams: [{ labels: '{a="b"}', entries: [{ timestamp, line: 'x' }] }] }), opts)
        .rows[0][0]
    expect(at({ seconds: 1795722832, nanos: 7 })).toBe('1795722832000000007')
    expect(at({ seconds: 1795722832, nanos: 1_500_000_000 })).toBe('1795722833500000000')
    expect(at({ seconds: '9223372036', nanos: 854775807 })).toBe('9223372036854775807')
    expect(() => at({ seconds: -1 })).toThrow(/invalid timestamp "-1000000000"/)
  })

  it('is refused with Loki’s wording when a stream’s labels do not parse', () => {
    const bytes = encode({ streams: [{ labels: 'service_name="shop"', entries: [{ line: 'x' }] }] })
    expect(() => decodeLokiProto(bytes, opts)).toThrow(/error parsing labels 'service_name="shop"'/)
  })

  it('is refused as bad protobuf when the bytes are not a PushRequest', () => {
    try {
      decodeLokiProto(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), opts)
      expect.unreachable()
    } catch (e) {
      expect(isSkeinError(e) && e.code).toBe('SKEIN_ERR_BAD_PROTOBUF')
    }
  })

  it('whatever the bytes, returns rows or throws a coded 4xx error, never anything else', () => {
    const valid = encode({
      streams: [{ labels: '{a="b"}', entries: [{ line: 'x', timestamp: { seconds: 1 } }] }],
    })
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
            const b = Uint8Array.from(valid)
            b[at] = byte
            return b
          }),
        ),
        (bytes) => {
          try {
            decodeLokiProto(bytes, opts)
          } catch (e) {
            if (!isSkeinError(e) || e.status !== 400) throw e
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('a label set in the Prometheus text form', () => {
  it('is read with its quoting, escapes and spacing', () => {
    expect(parseLabels('{app="shop", env="prod"}')).toEqual({ app: 'shop', env: 'prod' })
    expect(parseLabels(' { a = "x \\"q\\" \\\\ y\\nz" ,b="",} ')).toEqual({ a: 'x "q" \\ y\nz', b: '' })
    expect(parseLabels('{}')).toEqual({})
    expect(parseLabels('{msg="{}, =\\"}"}')).toEqual({ msg: '{}, ="}' })
  })

  it('is refused, naming the problem, when it is malformed', () => {
    for (const [text, why] of [
      ['app="x"', 'expected "{"'],
      ['{app=x}', 'expected a quoted value'],
      ['{app="x"', 'expected "}" at the end'],
      ['{app="x', 'unterminated value'],
      ['{app="x" env="y"}', 'expected "," or "}"'],
      ['{a="1", a="2"}', 'duplicate label name'],
      ['{a="\\q"}', 'invalid escape'],
      ['{="x"}', 'expected a label name'],
      ['{a="x"} tail', 'unexpected text'],
    ]) {
      expect(() => parseLabels(text), text).toThrow(new RegExp(why))
    }
  })
})
