import { describe, expect, it } from 'vitest'
import { decodeTracesJson, decodeTracesProto } from '../../src/decode/otlp-traces.js'
import { S } from '../../src/rows.js'
import { ld, spanMsg, traceRequest, vfield } from './helpers.js'

const TRACE = '0af7651916cd43dd8448eb211c80319c'
const SPAN = 'b7ad6b7169203331'

/** A KeyValue message of common.proto; `value` is an AnyValue message. */
const kv = (key: string, value: number[]) => ld(1, key).concat(ld(2, value))

describe('attribute values', () => {
  it('print a kvlist as pdata does: the last of duplicate keys, keys sorted, __proto__ a key like any', () => {
    const kvlist = ld(
      6,
      ld(1, kv('z', ld(1, 'first'))),
      ld(1, kv('__proto__', vfield(3, 7))),
      ld(1, kv('a', vfield(2, 1))),
      ld(1, kv('z', ld(1, 'last'))),
      ld(1, kv('empty', [])),
    )
    const span = [...spanMsg(TRACE, SPAN), ...ld(9, kv('map', kvlist))]
    const want = '{"__proto__":7,"a":true,"empty":null,"z":"last"}'
    expect(decodeTracesProto(traceRequest(span)).rows[0][S.SpanAttributes]).toEqual({ map: want })
    const json = decodeTracesJson({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE,
                  spanId: SPAN,
                  attributes: [
                    {
                      key: 'map',
                      value: {
                        kvlistValue: {
                          values: [
                            { key: 'z', value: { stringValue: 'first' } },
                            { key: '__proto__', value: { intValue: '7' } },
                            { key: 'a', value: { boolValue: true } },
                            { key: 'z', value: { stringValue: 'last' } },
                            { key: 'empty' },
                          ],
                        },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    })
    expect(json.rows[0][S.SpanAttributes]).toEqual({ map: want })
  })
})
