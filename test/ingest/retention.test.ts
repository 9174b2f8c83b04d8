/**
 * Data older than the retention would be deleted by the TTL within seconds of being stored, so it is
 * not acknowledged as stored: OTLP says so through partial success, a Loki push gets a 400 naming it
 * (as Loki answers "timestamp too old"), and the rest of each request is stored.
 */
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixed64, hexBytes, ld, traceRequest } from '../../collector/test/decode/helpers.js'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector({ args: ['--retention', '1d'] })
})
afterAll(async () => {
  await collector?.stop()
})

const DAY_NS = 86_400_000_000_000n
const ns = (agoNs = 0n) => `${BigInt(Date.now()) * 1_000_000n - agoNs}`
const id = (n: number, c: string) => c.repeat(n)

function spans(list: { traceId: string; name: string; agoNs: bigint }[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'retention' } }] },
        scopeSpans: [
          {
            spans: list.map((s, i) => ({
              traceId: s.traceId,
              spanId: id(15, 'a') + i,
              name: s.name,
              kind: 2,
              startTimeUnixNano: ns(s.agoNs),
              endTimeUnixNano: ns(s.agoNs),
            })),
          },
        ],
      },
    ],
  }
}

async function stored(traceId: string): Promise<string[]> {
  const r = await eventually(async () => {
    const x = await getJson(`${collector.apiUrl}/api/v1/traces/${traceId}`)
    return x.status === 200 ? x : undefined
  })
  return r.body.spans.map((s: { name: string }) => s.name)
}

describe('data older than the retention', () => {
  it('is rejected from an OTLP/HTTP request through partial success, naming the retention; the rest is stored', async () => {
    const fresh = id(32, 'b')
    const old = id(32, 'c')
    const res = await fetch(`${collector.ingestUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        spans([
          { traceId: fresh, name: 'fresh', agoNs: 0n },
          { traceId: old, name: 'two days old', agoNs: 2n * DAY_NS },
          { traceId: fresh, name: 'fresh, 23 h old', agoNs: (23n * DAY_NS) / 24n },
        ]),
      ),
    })
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body.partialSuccess.rejectedSpans).toBe('1')
    expect(body.partialSuccess.errorMessage).toMatch(/older than the retention \(1 days\)/)
    expect((await stored(fresh)).sort()).toEqual(['fresh', 'fresh, 23 h old'])
    expect((await getJson(`${collector.apiUrl}/api/v1/traces/${old}`)).status).toBe(404)
  })

  it('is rejected from an OTLP gRPC request through partial success', async () => {
    // The official exporter stamps spans "now", so the two-day-old span is a hand-made message.
    const start = BigInt(ns(2n * DAY_NS))
    const request = Buffer.from(
      traceRequest([
        ...ld(1, hexBytes('d1'.repeat(16))),
        ...ld(2, hexBytes('d2'.repeat(8))),
        ...ld(5, 'old'),
        ...fixed64(7, start),
        ...fixed64(8, start),
      ]),
    )
    const client = new grpc.Client(`127.0.0.1:${collector.ports.grpc}`, grpc.credentials.createInsecure())
    const reply = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        request,
        (err, value) => (err ? reject(err) : resolve(value as Buffer)),
      ),
    )
    client.close()
    // partial_success (field 1) { rejected_spans (1) = 1, error_message (2) }
    expect(reply[0]).toBe(0x0a)
    expect(reply.subarray(2, 4)).toEqual(Buffer.from([0x08, 0x01]))
    expect(reply.toString('latin1')).toMatch(/older than the retention/)
  })

  it('in a Loki push gets a 400 naming it, and the push’s other lines are stored', async () => {
    const marker = `retention-${Date.now()}`
    const res = await fetch(`${collector.ingestUrl}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        streams: [
          {
            stream: { service_name: 'retention' },
            values: [
              [ns(), `${marker} fresh`],
              [ns(3n * DAY_NS), `${marker} old`],
            ],
          },
        ],
      }),
    })
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(JSON.stringify(body)).toMatch(/1 of 2 entries are older than the retention \(1 days\)/)
    const logs = await eventually(async () => {
      const x = await getJson(`${collector.apiUrl}/api/v1/logs?service=retention&q=${marker}`)
      return x.status === 200 && x.body.logs.length > 0 ? x.body.logs : undefined
    })
    expect(logs.map((l: { body: string }) => l.body)).toEqual([`${marker} fresh`])
  })

  it('is counted in /metrics as rejected, reason expired', async () => {
    const m = await (await fetch(`${collector.ingestUrl}/metrics`)).text()
    expect(m).toMatch(/skein_rejected_items_total\{signal="spans",reason="expired"\} 2/)
    expect(m).toMatch(/skein_rejected_items_total\{signal="logs",reason="expired"\} 1/)
  })
})
