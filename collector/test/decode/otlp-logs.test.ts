import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer'
import { describe, expect, it } from 'vitest'
import { decodeLogsJson, decodeLogsProto } from '../../src/decode/otlp-logs.js'
import { L, type LogRow, UNKNOWN_SERVICE } from '../../src/rows.js'
import {
  bytes,
  code,
  expectEnvelope,
  fixed64,
  hexBytes,
  ld,
  REMOTE_PARENT,
  recordLogs,
  tag,
} from './helpers.js'

const records = await recordLogs()
const protoBody = ProtobufLogsSerializer.serializeRequest(records)!
const jsonBody = JSON.parse(new TextDecoder().decode(JsonLogsSerializer.serializeRequest(records)!))

/** A request with one resource and one scope holding the given LogRecord messages. */
function logsRequest(...recs: number[][]): Uint8Array {
  return bytes(ld(1, ld(2, ...recs.map((r) => ld(2, r)))))
}

describe('decodeLogsProto, on a request from the real OTLP protobuf serializer', () => {
  const { rows, rejected } = decodeLogsProto(protoBody)
  const [warn, info] = rows as [LogRow, LogRow]

  it('returns one row per record', () => {
    expect(rows).toHaveLength(2)
    expect(rejected).toBe(0)
  })

  it('takes Timestamp from time_unix_nano, to the nanosecond', () => {
    expect(warn[L.Timestamp]).toBe('1700000000987654321')
    // The SDK stamps a record emitted without a timestamp with the current time.
    expect(info[L.Timestamp]).toMatch(/^1\d{18}$/)
  })

  it('carries the trace context of the span the log was written in', () => {
    expect(warn[L.TraceId]).toBe(REMOTE_PARENT.traceId)
    expect(warn[L.SpanId]).toBe(REMOTE_PARENT.spanId)
    expect(warn[L.TraceFlags]).toBe(1)
    expect(info[L.TraceId]).toBe('')
    expect(info[L.SpanId]).toBe('')
    expect(info[L.TraceFlags]).toBe(0)
  })

  it('keeps severity text and number', () => {
    expect(warn[L.SeverityText]).toBe('WARN')
    expect(warn[L.SeverityNumber]).toBe(13)
    expect(info[L.SeverityText]).toBe('')
    expect(info[L.SeverityNumber]).toBe(9)
  })

  it('stores a string body as is and a map body as JSON', () => {
    expect(warn[L.Body]).toBe('card declined')
    expect(info[L.Body]).toBe('{"cents":1250,"event":"charged"}')
  })

  it('prints attributes as pdata AsString does, exact beyond 2^53', () => {
    expect(warn[L.LogAttributes]).toEqual({
      'order.id': '42',
      amount: '12.5',
      'big.int': '1152921504606846976',
      retry: 'true',
      ids: '["a","b"]',
    })
  })

  it('fills resource, scope and schema urls', () => {
    expectEnvelope(warn, L, {
      service: 'billing',
      resource: { 'service.name': 'billing', 'deployment.environment': 'test' },
      scope: ['billing-logger', '0.9.0'],
    })
    expect(warn[L.ScopeSchemaUrl]).toBe('https://opentelemetry.io/schemas/1.30.0')
    expect(warn[L.ResourceSchemaUrl]).toBe('')
    expect(warn[L.ScopeAttributes]).toEqual({})
    for (const row of rows) expect(row).toHaveLength(15)
  })
})

describe('decodeLogsJson', () => {
  it('gives exactly the rows the protobuf form of the same records gives', () => {
    expect(decodeLogsJson(jsonBody)).toEqual(decodeLogsProto(protoBody))
  })

  it('accepts snake_case keys, severity names and flags as a string', () => {
    const { rows } = decodeLogsJson({
      resource_logs: [
        {
          schema_url: 'res-schema',
          scope_logs: [
            {
              log_records: [
                {
                  time_unix_nano: '5',
                  severity_number: 'SEVERITY_NUMBER_ERROR2',
                  body: { int_value: 7 },
                  trace_id: REMOTE_PARENT.traceId.toUpperCase(),
                  flags: '257',
                },
              ],
            },
          ],
        },
      ],
    })
    const r = rows[0]
    expect(r[L.Timestamp]).toBe('5')
    expect(r[L.SeverityNumber]).toBe(18)
    expect(r[L.Body]).toBe('7')
    expect(r[L.TraceId]).toBe(REMOTE_PARENT.traceId)
    expect(r[L.TraceFlags]).toBe(1)
    expect(r[L.ServiceName]).toBe(UNKNOWN_SERVICE)
    expect(r[L.ResourceSchemaUrl]).toBe('res-schema')
  })

  it('refuses a body of the wrong shape, saying where', () => {
    const bad = structuredClone(jsonBody)
    bad.resourceLogs[0].scopeLogs[0].logRecords[1].severityNumber = 'LOUD'
    expect(() => decodeLogsJson(bad)).toThrow(/logRecords\[1\]: severityNumber: unknown enum value "LOUD"/)
    expect(code(() => decodeLogsJson('x'))).toBe('SKEIN_ERR_BAD_JSON')
    expect(code(() => decodeLogsJson({ resourceLogs: [{ scopeLogs: 3 }] }))).toBe('SKEIN_ERR_BAD_JSON')
  })

  it('rejects records with ids of the wrong length, keeps the rest', () => {
    const bad = structuredClone(jsonBody)
    bad.resourceLogs[0].scopeLogs[0].logRecords[0].spanId = 'abcd'
    const out = decodeLogsJson(bad)
    expect(out.rows).toHaveLength(1)
    expect(out.rejected).toBe(1)
    expect(out.rejectReason).toMatch(/span id/)
  })
})

describe('decodeLogsProto on bad ids and bad input', () => {
  const ts = fixed64(1, 1_700_000_000_000_000_000n)

  it('rejects a record whose trace or span id has the wrong length, keeps the others', () => {
    const out = decodeLogsProto(
      logsRequest(
        [...ts, ...ld(9, hexBytes('abcd'))],
        [...ts, ...ld(10, hexBytes('abcdef'))],
        [...ts, ...ld(5, ld(1, 'kept'))],
      ),
    )
    expect(out.rows.map((r) => r[L.Body])).toEqual(['kept'])
    expect(out.rejected).toBe(2)
    expect(out.rejectReason).toMatch(/trace id/)
  })

  it('takes Timestamp from observed_time_unix_nano when time_unix_nano is 0 or absent', () => {
    const observed = fixed64(11, 1_700_000_005_000_000_005n)
    const out = decodeLogsProto(logsRequest([...fixed64(1, 0n), ...observed], observed))
    expect(out.rows.map((r) => r[L.Timestamp])).toEqual(['1700000005000000005', '1700000005000000005'])
  })

  it('stores an all-zero trace id as no trace rather than rejecting the record', () => {
    const out = decodeLogsProto(
      logsRequest([...ts, ...ld(9, new Uint8Array(16)), ...ld(10, new Uint8Array(8))]),
    )
    expect(out.rejected).toBe(0)
    expect(out.rows[0][L.TraceId]).toBe('')
    expect(out.rows[0][L.SpanId]).toBe('')
  })

  it('skips fields it does not store (event_name, dropped count) but refuses them with a wrong wire type', () => {
    const ok = decodeLogsProto(logsRequest([...ts, ...ld(12, 'evt'), ...tag(7, 0), 3]))
    expect(ok.rows).toHaveLength(1)
    expect(code(() => decodeLogsProto(logsRequest([...ts, ...tag(12, 0), 1])))).toBe('SKEIN_ERR_BAD_PROTOBUF')
  })

  it('refuses every truncation of a real request', () => {
    for (let n = 1; n < protoBody.length; n++) {
      expect(code(() => decodeLogsProto(protoBody.subarray(0, n)))).toBe('SKEIN_ERR_BAD_PROTOBUF')
    }
  })
})
