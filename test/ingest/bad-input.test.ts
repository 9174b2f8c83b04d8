/**
 * Bad input gets a clear 4xx (or gRPC status) naming the problem, never a crash or a 5xx, and never a 2xx
 * for data that was not stored. One test per case of issue 2.
 */
import { createGzip, gzipSync } from 'node:zlib'
import * as grpc from '@grpc/grpc-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector?.stop()
})

const hex = (n: number, c = 'a') => c.repeat(n)
const nowNs = () => `${BigInt(Date.now()) * 1_000_000n}`

function jsonSpans(spans: { traceId: string; spanId: string; name: string }[], service = 'bad-input') {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 't' },
            spans: spans.map((s) => ({
              ...s,
              kind: 2,
              startTimeUnixNano: nowNs(),
              endTimeUnixNano: nowNs(),
            })),
          },
        ],
      },
    ],
  }
}

async function post(path: string, body: Uint8Array<ArrayBuffer> | string, headers: Record<string, string>) {
  const res = await fetch(`${collector.ingestUrl}${path}`, { method: 'POST', body, headers })
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    body: Buffer.from(await res.arrayBuffer()),
  }
}

describe('OTLP/HTTP with bad input', () => {
  it('answers 400 with a google.rpc.Status for malformed protobuf', async () => {
    const r = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), {
      'content-type': 'application/x-protobuf',
    })
    expect(r.status).toBe(400)
    expect(r.type).toContain('application/x-protobuf')
    expect(r.body.toString('latin1')).toMatch(/[a-z]{3,}/) // the Status message text is in the bytes
  })

  it('answers 400 naming the problem for malformed JSON', async () => {
    const r = await post('/v1/traces', '{"resourceSpans": [', { 'content-type': 'application/json' })
    expect(r.status).toBe(400)
    const body = JSON.parse(r.body.toString())
    expect(body.error.code).toBe('SKEIN_ERR_BAD_JSON')
    expect(body.message).toMatch(/JSON/)
  })

  it('answers 400 for JSON of the wrong shape', async () => {
    const r = await post('/v1/traces', JSON.stringify({ resourceSpans: 'nope' }), {
      'content-type': 'application/json',
    })
    expect(r.status).toBe(400)
  })

  it('answers 415 for an unsupported content type', async () => {
    const r = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' })
    expect(r.status).toBe(415)
    expect(JSON.parse(r.body.toString()).error.code).toBe('SKEIN_ERR_UNSUPPORTED_MEDIA_TYPE')
  })

  it('answers 415 for an unsupported content encoding', async () => {
    const r = await post('/v1/traces', '{}', { 'content-type': 'application/json', 'content-encoding': 'br' })
    expect(r.status).toBe(415)
  })

  it('answers 400 for a body that claims gzip but is not', async () => {
    const r = await post('/v1/traces', 'not gzip at all', {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    })
    expect(r.status).toBe(400)
  })

  it('answers 413 for a body over 20 MiB', async () => {
    const r = await post('/v1/traces', Buffer.alloc(21 * 1024 * 1024, 0x20), {
      'content-type': 'application/json',
    })
    expect(r.status).toBe(413)
  })

  it('answers 413 for a body over 20 MiB after decompression', async () => {
    const r = await post('/v1/traces', gzipSync(Buffer.alloc(21 * 1024 * 1024, 0x20)), {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
    })
    expect(r.status).toBe(413)
  })

  it('refuses a gzip bomb without inflating it whole', async () => {
    // 1 GiB of zeros, about 1 MiB compressed, made in chunks so the test itself stays small.
    const gz = createGzip({ level: 9 })
    const parts: Buffer[] = []
    gz.on('data', (d: Buffer) => parts.push(d))
    const zeros = Buffer.alloc(16 * 1024 * 1024)
    for (let i = 0; i < 64; i++) gz.write(zeros)
    await new Promise((r) => gz.end(r))
    const bomb = Buffer.concat(parts)
    const r = await post('/v1/traces', bomb, {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    })
    expect(r.status).toBe(413)
    const metrics = await (await fetch(`${collector.ingestUrl}/metrics`)).text()
    const rss = Number(/skein_process_resident_memory_bytes (\d+)/.exec(metrics)?.[1])
    expect(rss).toBeLessThan(700 * 1024 * 1024)
  })

  it('rejects spans with bad ids through partial_success and stores the rest', async () => {
    const good = { traceId: hex(32, 'b'), spanId: hex(16, 'c'), name: 'good' }
    const spans = [
      good,
      { traceId: hex(30, 'b'), spanId: hex(16, 'd'), name: 'short trace id' },
      { traceId: hex(32, '0'), spanId: hex(16, 'e'), name: 'zero trace id' },
      { traceId: hex(32, 'b'), spanId: hex(16, '0'), name: 'zero span id' },
    ]
    const r = await post('/v1/traces', JSON.stringify(jsonSpans(spans)), {
      'content-type': 'application/json',
    })
    expect(r.status).toBe(200)
    const body = JSON.parse(r.body.toString())
    expect(body.partialSuccess.rejectedSpans).toBe('3')
    expect(body.partialSuccess.errorMessage).toMatch(/id/)
    const t = await eventually(async () => {
      const x = await getJson(`${collector.apiUrl}/api/v1/traces/${good.traceId}`)
      return x.status === 200 ? x : undefined
    })
    expect(t.body.spans.map((s: { name: string }) => s.name)).toEqual(['good'])
  })
})

describe('OTLP gRPC with bad input', () => {
  const method = '/opentelemetry.proto.collector.trace.v1.TraceService/Export'
  function call(payload: Buffer): Promise<{ code: number; details: string }> {
    const client = new grpc.Client(`127.0.0.1:${collector.ports.grpc}`, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    })
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        method,
        (b: Buffer) => b,
        (b: Buffer) => b,
        payload,
        (err) => {
          client.close()
          resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '' })
        },
      )
    })
  }

  it('answers INVALID_ARGUMENT for malformed protobuf', async () => {
    const r = await call(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]))
    expect(r.code).toBe(grpc.status.INVALID_ARGUMENT)
    expect(r.details.length).toBeGreaterThan(5)
  })

  it('answers RESOURCE_EXHAUSTED for a message over 4 MiB', async () => {
    const r = await call(Buffer.alloc(5 * 1024 * 1024))
    expect(r.code).toBe(grpc.status.RESOURCE_EXHAUSTED)
  })

  it('answers OK for an empty request', async () => {
    expect((await call(Buffer.alloc(0))).code).toBe(0)
  })
})

describe('after all that', () => {
  it('the collector is still healthy', async () => {
    const r = await getJson(`${collector.ingestUrl}/health`)
    expect(r).toEqual({ status: 200, body: { status: 'ok' } })
  })
})
