import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { describe, expect, it } from 'vitest'
import { decodeTracesJson, decodeTracesProto } from '../../src/decode/otlp-traces.js'
import { S, type SpanRow, UNKNOWN_SERVICE } from '../../src/rows.js'
import {
  bytes,
  expectBadJson,
  expectBadProtobuf,
  expectEnvelope,
  LINKED,
  ld,
  REMOTE_PARENT,
  recordSpans,
  spanMsg,
  spanWithRichAttributes,
  tag,
  traceRequest,
  varint,
} from './helpers.js'

const spans = recordSpans()
const protoBody = ProtobufTraceSerializer.serializeRequest(spans)!
const jsonBody = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!))

function byName(rows: SpanRow[], name: string): SpanRow {
  const row = rows.find((r) => r[S.SpanName] === name)
  if (!row) throw new Error(`no row named ${name}`)
  return row
}

describe('decodeTracesProto, on a request from the real OTLP protobuf serializer', () => {
  const { rows, rejected } = decodeTracesProto(protoBody)
  const server = byName(rows, 'GET /orders/:id')
  const serverSpan = spans.find((s) => s.name === 'GET /orders/:id')!

  it('returns one row per span and rejects none', () => {
    expect(rows).toHaveLength(3)
    expect(rejected).toBe(0)
  })

  it('keeps ids as lowercase hex, with the remote parent and its trace state', () => {
    expect(server[S.TraceId]).toBe(REMOTE_PARENT.traceId)
    expect(server[S.SpanId]).toBe(serverSpan.spanContext().spanId)
    expect(server[S.ParentSpanId]).toBe(REMOTE_PARENT.spanId)
    expect(server[S.TraceState]).toBe('vendor=abc,other=x')
  })

  it('gives the start to the nanosecond as a decimal string and the exact duration', () => {
    expect(server[S.Timestamp]).toBe('1700000000123456789')
    expect(server[S.Duration]).toBe(900_000_001)
    expect(byName(rows, 'SELECT orders')[S.Duration]).toBe(0)
    expect(byName(rows, 'tick')[S.Duration]).toBe(1_000_000_001)
  })

  it('spells kind and status as the ClickHouse exporter does', () => {
    expect(server[S.SpanKind]).toBe('Server')
    expect(server[S.StatusCode]).toBe('Error')
    expect(server[S.StatusMessage]).toBe('db timeout')
    expect(byName(rows, 'SELECT orders')[S.SpanKind]).toBe('Client')
    expect(byName(rows, 'SELECT orders')[S.StatusCode]).toBe('Ok')
    expect(byName(rows, 'tick')[S.SpanKind]).toBe('Internal')
    expect(byName(rows, 'tick')[S.StatusCode]).toBe('Unset')
  })

  it('links the child to the server span and leaves a root span without parent', () => {
    expect(byName(rows, 'SELECT orders')[S.ParentSpanId]).toBe(server[S.SpanId])
    expect(byName(rows, 'tick')[S.ParentSpanId]).toBe('')
    expect(byName(rows, 'tick')[S.TraceId]).not.toBe(REMOTE_PARENT.traceId)
  })

  it('prints attribute values of every type as pdata AsString does', () => {
    expect(server[S.SpanAttributes]).toEqual({
      'http.request.method': 'GET',
      'http.response.status_code': '500',
      'big.int': '1152921504606846976',
      'neg.int': '-42',
      ratio: '0.25',
      tiny: '1e-7',
      ok: 'false',
      tags: '["a","b"]',
      codes: '[1,2]',
      flags: '[true,false]',
      mixed: '[1.5,2]',
    })
  })

  it('takes ServiceName and ResourceAttributes from the resource, scope from the instrumentation scope', () => {
    expectEnvelope(server, S, {
      service: 'orders',
      resource: { 'service.name': 'orders', 'host.name': 'box-1', 'process.pid': '4242' },
      scope: ['skein-test', '1.2.3'],
    })
  })

  it('keeps events as parallel arrays, timestamps to the nanosecond', () => {
    expect(server[S['Events.Timestamp']]).toEqual(['1700000000200000001', '1700000000300000000'])
    expect(server[S['Events.Name']]).toEqual(['cache miss', 'retry'])
    expect(server[S['Events.Attributes']]).toEqual([{ 'cache.key': 'order:42', attempt: '2' }, {}])
  })

  it('keeps links as parallel arrays with ids, trace state and attributes', () => {
    expect(server[S['Links.TraceId']]).toEqual([LINKED.traceId])
    expect(server[S['Links.SpanId']]).toEqual([LINKED.spanId])
    expect(server[S['Links.TraceState']]).toEqual(['lk=1'])
    expect(server[S['Links.Attributes']]).toEqual([{ 'link.kind': 'follows' }])
  })

  it('produces rows with every column in place', () => {
    for (const row of rows) expect(row).toHaveLength(22)
  })
})

describe('decodeTracesProto on AnyValue types the tracing SDK does not emit', () => {
  const rich = spanWithRichAttributes(spans[0])
  const { rows } = decodeTracesProto(ProtobufTraceSerializer.serializeRequest([rich])!)

  it('prints bytes as base64 and kvlists as JSON with sorted keys, arrays of bytes as base64 strings', () => {
    expect(rows[0][S.SpanAttributes]).toEqual({
      bytes: '3q2+7w==',
      map: '{"a":"x","list":[0.5,"y"],"nested":{"b":true},"z":1}',
      'arr.bytes': '["AQI="]',
    })
    expect(rows[0][S.SpanKind]).toBe('Producer')
    expect(rows[0][S.ScopeName]).toBe('rich-scope')
    expect(rows[0][S.ScopeVersion]).toBe('')
  })

  it('gives the same rows through OTLP/JSON', () => {
    const json = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest([rich])!))
    expect(decodeTracesJson(json).rows).toEqual(rows)
  })
})

describe('decodeTracesJson, on a request from the real OTLP/JSON serializer', () => {
  it('gives exactly the rows that the protobuf form of the same spans gives', () => {
    const fromJson = decodeTracesJson(jsonBody)
    expect(fromJson.rejected).toBe(0)
    expect(fromJson.rows).toEqual(decodeTracesProto(protoBody).rows)
  })

  it('accepts snake_case keys, enum names, numeric timestamps and uppercase hex', () => {
    const { rows } = decodeTracesJson({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'snake' } }] },
          scope_spans: [
            {
              scope: { name: 's', version: '1' },
              spans: [
                {
                  trace_id: '0AF7651916CD43DD8448EB211C80319C',
                  span_id: 'B7AD6B7169203331',
                  name: 'x',
                  kind: 'SPAN_KIND_CONSUMER',
                  start_time_unix_nano: 1_000,
                  end_time_unix_nano: '1500',
                  attributes: [{ key: 'n', value: { int_value: '-9223372036854775808' } }],
                  status: { code: 'STATUS_CODE_ERROR' },
                },
              ],
            },
          ],
        },
      ],
    })
    expect(rows).toHaveLength(1)
    const r = rows[0]
    expect(r[S.TraceId]).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(r[S.SpanId]).toBe('b7ad6b7169203331')
    expect(r[S.ServiceName]).toBe('snake')
    expect(r[S.SpanKind]).toBe('Consumer')
    expect(r[S.StatusCode]).toBe('Error')
    expect(r[S.Timestamp]).toBe('1000')
    expect(r[S.Duration]).toBe(500)
    expect(r[S.SpanAttributes]).toEqual({ n: '-9223372036854775808' })
  })

  it('computes durations exactly from 19-digit timestamp strings', () => {
    const { rows } = decodeTracesJson({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: REMOTE_PARENT.traceId,
                  spanId: REMOTE_PARENT.spanId,
                  startTimeUnixNano: '1700000000999999999',
                  endTimeUnixNano: '1700000001000000001',
                },
              ],
            },
          ],
        },
      ],
    })
    expect(rows[0][S.Duration]).toBe(2)
    expect(rows[0][S.ServiceName]).toBe(UNKNOWN_SERVICE)
  })

  it('refuses a body of the wrong shape, saying where', () => {
    expectBadJson(() => decodeTracesJson([]), /ExportTraceServiceRequest/)
    expectBadJson(() => decodeTracesJson({ resourceSpans: {} }), /resourceSpans: expected an array/)
    const badName = structuredClone(jsonBody)
    badName.resourceSpans[0].scopeSpans[0].spans[1].name = 5
    expectBadJson(
      () => decodeTracesJson(badName),
      /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]: name: expected a string/,
    )
    const badTime = structuredClone(jsonBody)
    badTime.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano = '17e17'
    expectBadJson(() => decodeTracesJson(badTime), /startTimeUnixNano/)
    const badInt = structuredClone(jsonBody)
    const withAttrs = badInt.resourceSpans[0].scopeSpans[0].spans.find(
      (s: { name: string }) => s.name === 'GET /orders/:id',
    )
    withAttrs.attributes[0].value = { intValue: '9223372036854775808' }
    expectBadJson(() => decodeTracesJson(badInt), /attributes\[0\]\.value\.intValue/)
  })

  it('rejects spans with bad ids one by one and keeps the rest', () => {
    const body = structuredClone(jsonBody)
    const list = body.resourceSpans[0].scopeSpans[0].spans
    list[0].traceId = 'zz'.repeat(16)
    list[1].parentSpanId = 'abc'
    const out = decodeTracesJson(body)
    expect(out.rows).toHaveLength(1)
    expect(out.rejected).toBe(2)
    expect(out.rejectReason).toMatch(/trace id/)
  })
})

describe('decodeTracesProto on bad input', () => {
  const good = '0af7651916cd43dd8448eb211c80319c'

  it('rejects spans with bad ids (partial success) and keeps the good one', () => {
    const out = decodeTracesProto(
      traceRequest(
        spanMsg('00'.repeat(16), 'b7ad6b7169203331'), // all-zero trace id
        spanMsg(good.slice(0, 30), 'b7ad6b7169203331'), // 15-byte trace id
        spanMsg(good, '00'.repeat(8)), // all-zero span id
        spanMsg(good, 'b7ad6b71'), // 4-byte span id
        spanMsg(good, 'b7ad6b7169203331', 'abcdef'), // 3-byte parent
        spanMsg(good, 'b7ad6b7169203331', '', 'kept'),
        spanMsg(good, 'b7ad6b7169203332', '00'.repeat(8), 'zero parent'),
      ),
    )
    expect(out.rows.map((r) => r[S.SpanName])).toEqual(['kept', 'zero parent'])
    expect(out.rows[1][S.ParentSpanId]).toBe('')
    expect(out.rejected).toBe(5)
    expect(out.rejectReason).toMatch(/invalid trace id/)
    expect(out.rows[0][S.Duration]).toBe(500)
    expect(out.rows[0][S.Timestamp]).toBe('1700000000000000000')
  })

  it('refuses every truncation of a real request', () => {
    // One ResourceSpans at the top level, so no strict prefix ends on a field boundary.
    for (let n = 1; n < protoBody.length; n++)
      expectBadProtobuf(() => decodeTracesProto(protoBody.subarray(0, n)))
  })

  it('refuses a known field with the wrong wire type, naming it', () => {
    const nameAsVarint = traceRequest([...ld(1, Buffer.from(good, 'hex')), ...tag(5, 0), 1])
    expectBadProtobuf(() => decodeTracesProto(nameAsVarint), /wrong wire type varint for Span field 5/)
  })

  it('refuses wire types 6 and 7 and a stray end-group', () => {
    expectBadProtobuf(() => decodeTracesProto(bytes(tag(9, 6))), /wire type/)
    expectBadProtobuf(() => decodeTracesProto(bytes(tag(9, 7))), /wire type/)
    expectBadProtobuf(() => decodeTracesProto(bytes(tag(9, 4))), /wire type/)
  })

  it('refuses field number 0', () => {
    expectBadProtobuf(() => decodeTracesProto(bytes([0x02, 0x00])), /field number 0/)
  })

  it('refuses absurd length prefixes without allocating them', () => {
    expectBadProtobuf(
      () => decodeTracesProto(bytes(tag(1, 2), varint(0xffffffff), [1, 2, 3])),
      /exceeds the 3 bytes left/,
    )
    expectBadProtobuf(() => decodeTracesProto(bytes(tag(1, 2), varint(2n ** 62n), [1])), /too large/)
    // A nested length may not run past its parent even if the buffer is longer.
    const overrun = bytes([...tag(1, 2), 2, ...tag(2, 2), 5], [0, 0, 0, 0, 0, 0])
    expectBadProtobuf(() => decodeTracesProto(overrun), /exceeds/)
  })

  it('skips unknown fields of every wire type, groups included', () => {
    const unknown = [
      ...tag(100, 0),
      ...varint(2n ** 63n),
      ...tag(101, 1),
      ...[1, 2, 3, 4, 5, 6, 7, 8],
      ...ld(102, 'skip me'),
      ...tag(103, 5),
      ...[1, 2, 3, 4],
      ...tag(104, 3),
      ...tag(105, 3),
      ...tag(1, 0),
      1,
      ...tag(105, 4),
      ...tag(104, 4),
    ]
    const span = [...unknown, ...spanMsg(good, 'b7ad6b7169203331', '', 'with unknowns'), ...unknown]
    const req = bytes(unknown, ld(1, unknown, ld(2, unknown, ld(2, span))))
    const out = decodeTracesProto(req)
    expect(out.rows.map((r) => r[S.SpanName])).toEqual(['with unknowns'])
  })

  it('refuses an unterminated or mismatched group', () => {
    expectBadProtobuf(() => decodeTracesProto(bytes(tag(104, 3), tag(1, 0), [1])), /unterminated group/)
    expectBadProtobuf(() => decodeTracesProto(bytes(tag(104, 3), tag(105, 4))), /mismatched end-group/)
  })

  it('refuses AnyValues nested too deep instead of overflowing the stack', () => {
    let value: number[] = ld(1, 'leaf')
    for (let i = 0; i < 200; i++) value = ld(5, ld(1, value)) // AnyValue{array_value{values:[value]}}
    const span = [...spanMsg(good, 'b7ad6b7169203331'), ...ld(9, ld(1, 'deep'), ld(2, value))]
    expectBadProtobuf(() => decodeTracesProto(traceRequest(span)), /nested deeper/)
  })

  it('accepts an empty request as zero rows', () => {
    expect(decodeTracesProto(new Uint8Array(0))).toEqual({ rows: [], rejected: 0 })
  })

  it('merges a resource that comes after its spans', () => {
    const span = spanMsg(good, 'b7ad6b7169203331')
    const resource = ld(1, ld(1, ld(1, 'service.name'), ld(2, ld(1, 'late'))))
    const req = bytes(ld(1, ld(2, ld(2, span)), resource))
    expect(decodeTracesProto(req).rows[0][S.ServiceName]).toBe('late')
  })
})
