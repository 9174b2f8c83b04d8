/**
 * Fuzzing the HTTP handlers of a real collector with random and mutated OTLP protobuf, OTLP JSON and Loki
 * bodies: never a crash, never a 5xx, never a hang. Bounded runs in `npm test`; FUZZ_RUNS=5000 for more.
 */
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import snappy from 'snappyjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makePayload } from '../../bench/lib/otlp-gen.js'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { encodePush, snappyPush } from '../helpers/loki-proto.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)
let c: RunningCollector

beforeAll(async () => {
  c = await startCollector()
})
afterAll(async () => {
  await c?.stop()
})

const validProto = makePayload(5, 1).bytes
const ns = `${BigInt(Date.now()) * 1_000_000n}`
const validJson = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: 'ab'.repeat(16),
              spanId: 'cd'.repeat(8),
              name: 'x',
              kind: 2,
              startTimeUnixNano: ns,
              endTimeUnixNano: ns,
              attributes: [
                {
                  key: 'k',
                  value: { arrayValue: { values: [{ intValue: '1' }, { kvlistValue: { values: [] } }] } },
                },
              ],
            },
          ],
        },
      ],
    },
  ],
}
const validLoki = {
  streams: [
    {
      stream: { service_name: 'fuzz' },
      values: [[ns, '{"level":30,"msg":"hi"}', { trace_id: 'ab'.repeat(16) }]],
    },
  ],
}

const lokiPush = {
  streams: [
    {
      labels: '{service_name="fuzz", env="x"}',
      entries: [
        {
          timestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 5 },
          line: '{"level":30,"msg":"hi"}',
          structuredMetadata: [{ name: 'trace_id', value: 'ab'.repeat(16) }],
        },
      ],
    },
  ],
}

async function send(path: string, body: Uint8Array<ArrayBuffer> | string, contentType: string, gzip = false) {
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), 10_000)
  try {
    const res = await fetch(`${c.ingestUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
      body: gzip ? gzipSync(body) : body,
      signal: ac.signal,
    })
    await res.arrayBuffer()
    return res.status
  } finally {
    clearTimeout(timer)
  }
}

/** Byte-level mutations of a valid message: flips, truncation, insertion, splicing. */
const mutated = (base: Buffer) =>
  fc
    .array(
      fc.oneof(
        fc.record({ op: fc.constant('flip' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
        fc.record({ op: fc.constant('cut' as const), at: fc.nat() }),
        fc.record({
          op: fc.constant('insert' as const),
          at: fc.nat(),
          bytes: fc.uint8Array({ maxLength: 12 }),
        }),
      ),
      { minLength: 1, maxLength: 6 },
    )
    .map((ops) => {
      let b = Buffer.from(base)
      for (const o of ops) {
        const at = b.length ? o.at % b.length : 0
        if (o.op === 'flip') b[at] = o.v
        else if (o.op === 'cut') b = b.subarray(0, at)
        else b = Buffer.concat([b.subarray(0, at), Buffer.from(o.bytes), b.subarray(at)])
      }
      return b
    })

/** Replaces one random value somewhere in a JSON document with an arbitrary JSON value. */
const mutatedJson = (base: unknown) =>
  fc.tuple(fc.nat(), fc.jsonValue()).map(([pick, value]) => {
    const doc = structuredClone(base) as any
    const slots: [any, string | number][] = []
    const walk = (v: any) => {
      if (v && typeof v === 'object') {
        for (const k of Object.keys(v)) {
          slots.push([v, Array.isArray(v) ? Number(k) : k])
          walk(v[k])
        }
      }
    }
    walk(doc)
    const [parent, key] = slots[pick % slots.length]
    parent[key] = value
    return JSON.stringify(doc)
  })

const never5xx = (status: number) => {
  expect(status).toBeLessThan(500)
}

describe('the ingest port under fuzzing', () => {
  it('answers mutated OTLP protobuf traces and logs with a 2xx or 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutated(validProto),
        fc.boolean(),
        fc.constantFrom('/v1/traces', '/v1/logs'),
        async (body, gz, path) => {
          never5xx(await send(path, body, 'application/x-protobuf', gz))
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('answers random bytes with a 2xx or 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.constantFrom('/v1/traces', '/v1/logs'),
        async (bytes, path) => {
          never5xx(await send(path, Buffer.from(bytes), 'application/x-protobuf'))
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('answers mutated OTLP JSON with a 2xx or 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedJson(validJson), async (body) => {
        never5xx(await send('/v1/traces', body, 'application/json'))
      }),
      { numRuns: RUNS },
    )
  })

  it('answers mutated and random Loki pushes with a 2xx or 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedJson(validLoki), fc.json(), fc.string()), async (body) => {
        never5xx(await send('/loki/api/v1/push', body, 'application/json'))
      }),
      { numRuns: RUNS },
    )
  })

  it('answers mutated Loki protobuf pushes (in the snappy block or under it) with a 2xx or 4xx', async () => {
    const compress = (b: Buffer) => Buffer.from(snappy.compress(b))
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          mutated(snappyPush(lokiPush)),
          mutated(Buffer.from(encodePush(lokiPush))).map(compress),
          fc.uint8Array({ maxLength: 512 }).map((b) => compress(Buffer.from(b))),
        ),
        async (body) => {
          never5xx(await send('/loki/api/v1/push', body, 'application/x-protobuf'))
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('is still alive and healthy afterwards', async () => {
    expect(c.process.exitCode).toBeNull()
    expect((await fetch(`${c.ingestUrl}/health`)).status).toBe(200)
  })
})
