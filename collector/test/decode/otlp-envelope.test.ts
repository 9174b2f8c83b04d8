import { describe, expect, it } from 'vitest'
import { decodeLogsJson, decodeLogsProto } from '../../src/decode/otlp-logs.js'
import { decodeTracesJson, decodeTracesProto } from '../../src/decode/otlp-traces.js'
import { L, S } from '../../src/rows.js'
import { bytes, expectBadJson, fixed64, ld, spanMsg } from './helpers.js'

const TRACE = '0af7651916cd43dd8448eb211c80319c'

/** The envelope is the same for both signals but for its leaves: a span or a log record. */
const signals = [
  {
    name: 'spans',
    leaf: (name: string) => spanMsg(TRACE, 'b7ad6b7169203331', '', name),
    proto: decodeTracesProto,
    json: decodeTracesJson,
    at: S,
    leafName: (row: unknown[]) => row[S.SpanName],
    keys: ['resourceSpans', 'scopeSpans', 'spans'],
    jsonLeaf: { traceId: TRACE, spanId: 'b7ad6b7169203331', name: 'x' },
  },
  {
    name: 'log records',
    leaf: (body: string) => [...fixed64(1, 1_700_000_000_000_000_000n), ...ld(5, ld(1, body))],
    proto: decodeLogsProto,
    json: decodeLogsJson,
    at: L,
    leafName: (row: unknown[]) => row[L.Body],
    keys: ['resourceLogs', 'scopeLogs', 'logRecords'],
    jsonLeaf: { body: { stringValue: 'x' } },
  },
] as const

const resource = (service: string) => ld(1, ld(1, ld(1, 'service.name'), ld(2, ld(1, service))))
const scope = (name: string, version: string) => ld(1, ld(1, name), ld(2, version))

describe.each(signals)('the OTLP envelope around $name', (sig) => {
  it('gives each row the resource and scope it was sent in, wherever they stand in their message', () => {
    const req = bytes(
      // Resource and scope after their leaves, as protobuf allows.
      ld(1, ld(2, ld(2, sig.leaf('a')), ld(2, sig.leaf('b')), scope('s1', '1.0')), resource('first')),
      ld(1, resource('second'), ld(2, scope('s2', '2.0'), ld(2, sig.leaf('c'))), ld(2, ld(2, sig.leaf('d')))),
    )
    const { rows } = sig.proto(req)
    expect(
      rows.map((r) => [sig.leafName(r), r[sig.at.ServiceName], r[sig.at.ScopeName], r[sig.at.ScopeVersion]]),
    ).toEqual([
      ['a', 'first', 's1', '1.0'],
      ['b', 'first', 's1', '1.0'],
      ['c', 'second', 's2', '2.0'],
      ['d', 'second', '', ''],
    ])
    // One attributes object per resource, shared by its rows.
    expect(rows[0][sig.at.ResourceAttributes]).toBe(rows[1][sig.at.ResourceAttributes])
    expect(rows[1][sig.at.ResourceAttributes]).not.toBe(rows[2][sig.at.ResourceAttributes])
    expect(rows[2][sig.at.ResourceAttributes]).toEqual({ 'service.name': 'second' })
  })

  it('gives the same rows through OTLP/JSON, and names where a body goes wrong at every level', () => {
    const [res, scopes, leaves] = sig.keys
    const scopeList: object[] = [
      { scope: { name: 's', version: '1' }, [leaves]: [sig.jsonLeaf] },
      { [leaves]: 'no' },
    ]
    const body = {
      [res]: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          [scopes]: scopeList,
        },
      ],
    }
    expectBadJson(
      () => sig.json(body),
      new RegExp(`at ${res}\\[0\\]\\.${scopes}\\[1\\]: ${leaves}: expected an array`),
    )
    scopeList.pop()
    const { rows } = sig.json(body)
    expect(sig.leafName(rows[0])).toBe('x')
    expect([rows[0][sig.at.ServiceName], rows[0][sig.at.ScopeName], rows[0][sig.at.ScopeVersion]]).toEqual([
      'svc',
      's',
      '1',
    ])
    expectBadJson(() => sig.json({ [res]: [{ resource: 1 }] }), new RegExp(`at ${res}\\[0\\]: resource`))
    expectBadJson(
      () => sig.json({ [res]: [{ [scopes]: [{ [leaves]: [3] }] }] }),
      new RegExp(`at ${res}\\[0\\]\\.${scopes}\\[0\\]\\.${leaves}\\[0\\]: `),
    )
  })
})

describe('schema URLs', () => {
  it('are stored for log records, from the resource and from the scope, in protobuf and JSON', () => {
    const leaf = signals[1].leaf('x')
    const { rows } = decodeLogsProto(bytes(ld(1, ld(2, ld(2, leaf), ld(3, 'scope-url')), ld(3, 'res-url'))))
    expect([rows[0][L.ResourceSchemaUrl], rows[0][L.ScopeSchemaUrl]]).toEqual(['res-url', 'scope-url'])
    const json = decodeLogsJson({
      resourceLogs: [
        { schemaUrl: 'r', scopeLogs: [{ schema_url: 's', logRecords: [{ body: { stringValue: 'x' } }] }] },
      ],
    })
    expect([json.rows[0][L.ResourceSchemaUrl], json.rows[0][L.ScopeSchemaUrl]]).toEqual(['r', 's'])
  })

  it('are not read for spans, which have no column for them: a span request is not refused over one', () => {
    const json = decodeTracesJson({
      resourceSpans: [
        {
          schemaUrl: 5,
          scopeSpans: [
            { schemaUrl: {}, spans: [{ traceId: TRACE, spanId: 'b7ad6b7169203331', name: 'kept' }] },
          ],
        },
      ],
    })
    expect(json.rows.map((r) => r[S.SpanName])).toEqual(['kept'])
  })
})
