/**
 * Property tests: whatever bytes or JSON a client sends, the decoders either return rows or throw a
 * SkeinError (a 400), never another error (a 500) and never hang (each run is bounded by vitest's
 * timeout; the decoders consume at least one byte per loop turn).
 */
import {
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeLokiJson } from '../../src/decode/loki.js'
import { decodeLogsJson, decodeLogsProto } from '../../src/decode/otlp-logs.js'
import { decodeTracesJson, decodeTracesProto } from '../../src/decode/otlp-traces.js'
import { isSkeinError } from '../../src/errors.js'
import { recordLogs, recordSpans, spanWithRichAttributes } from './helpers.js'

const spans = recordSpans()
const traceBody = ProtobufTraceSerializer.serializeRequest([...spans, spanWithRichAttributes(spans[0])])!
const logsBody = ProtobufLogsSerializer.serializeRequest(await recordLogs())!
const traceJson = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!))

/** Runs `fn` and fails the property if it throws anything but a 400 SkeinError. */
function onlySkeinErrors(fn: () => unknown): void {
  try {
    fn()
  } catch (e) {
    if (!isSkeinError(e) || e.status !== 400) throw e
  }
}

/** A valid body with a few bytes overwritten, inserted or removed: mostly-valid input reaches deep code. */
function mutated(base: Uint8Array) {
  return fc
    .array(
      fc.tuple(
        fc.nat({ max: base.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('set', 'insert', 'delete'),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    )
    .map((edits) => {
      const b = [...base]
      for (const [at, value, op] of edits) {
        const i = Math.min(at, b.length - 1)
        if (op === 'set') b[i] = value
        else if (op === 'insert') b.splice(i, 0, value)
        else b.splice(i, 1)
      }
      return Uint8Array.from(b)
    })
}

describe('the protobuf decoders on hostile bytes', () => {
  it('throw nothing but SkeinError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) => {
        onlySkeinErrors(() => decodeTracesProto(b))
        onlySkeinErrors(() => decodeLogsProto(b))
      }),
      { numRuns: 300 },
    )
  })

  it('throw nothing but SkeinError on mutated real requests', () => {
    fc.assert(
      fc.property(mutated(traceBody), (b) => onlySkeinErrors(() => decodeTracesProto(b))),
      { numRuns: 300 },
    )
    fc.assert(
      fc.property(mutated(logsBody), (b) => onlySkeinErrors(() => decodeLogsProto(b))),
      { numRuns: 300 },
    )
  })

  it('really do reach deep code with mutations: some mutated requests still decode', () => {
    const results = fc.sample(mutated(traceBody), { numRuns: 300, seed: 42 }).map((b) => {
      try {
        return decodeTracesProto(b).rows.length
      } catch {
        return -1
      }
    })
    expect(results.some((n) => n > 0)).toBe(true)
    expect(results.some((n) => n < 0)).toBe(true)
  })
})

describe('the JSON decoders on hostile values', () => {
  it('throw nothing but SkeinError on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        onlySkeinErrors(() => decodeTracesJson(v))
        onlySkeinErrors(() => decodeLogsJson(v))
        onlySkeinErrors(() => decodeLokiJson(v, { maxLineBytes: 64 }))
        onlySkeinErrors(() => decodeTracesJson({ resourceSpans: [{ scopeSpans: [{ spans: [v] }] }] }))
        onlySkeinErrors(() =>
          decodeLokiJson({ streams: [{ stream: { job: 'x' }, values: [v] }] }, { maxLineBytes: 64 }),
        )
      }),
      { numRuns: 300 },
    )
  })

  it('throw nothing but SkeinError when one field of a real request is replaced', () => {
    const paths: ((o: any, v: unknown) => void)[] = [
      (o, v) => {
        o.resourceSpans[0].scopeSpans[0].spans[1].attributes[0].value = v
      },
      (o, v) => {
        o.resourceSpans[0].scopeSpans[0].spans[1].events = v
      },
      (o, v) => {
        o.resourceSpans[0].resource = v
      },
      (o, v) => {
        o.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano = v
      },
    ]
    fc.assert(
      fc.property(fc.nat({ max: paths.length - 1 }), fc.jsonValue(), (p, v) => {
        const body = structuredClone(traceJson)
        paths[p](body, v)
        onlySkeinErrors(() => decodeTracesJson(body))
      }),
      { numRuns: 300 },
    )
  })

  it('turn Loki lines of any content into rows, never errors', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (line) => {
        const { rows } = decodeLokiJson(
          { streams: [{ stream: { job: 'x' }, values: [['1', line]] }] },
          { maxLineBytes: 64 },
        )
        expect(rows).toHaveLength(1)
        expect(Buffer.byteLength(rows[0][7])).toBeLessThanOrEqual(64)
      }),
      { numRuns: 300 },
    )
  })
})
