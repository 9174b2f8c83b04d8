import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { pinoLoki } from 'pino-loki'
import { describe, expect, it } from 'vitest'
import { decodeLokiJson } from '../../src/decode/loki.js'
import { L, type LogRow, UNKNOWN_SERVICE } from '../../src/rows.js'

const opts = { maxLineBytes: 1024 }
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const SPAN_ID = 'b7ad6b7169203331'

function push(labels: Record<string, unknown>, ...values: unknown[][]): unknown {
  return { streams: [{ stream: labels, values }] }
}

function one(
  line: string,
  labels: Record<string, unknown> = { level: 'info', service_name: 'shop' },
): LogRow {
  const { rows } = decodeLokiJson(push(labels, ['1700000000123000000', line]), opts)
  expect(rows).toHaveLength(1)
  return rows[0]
}

function lokiError(body: unknown): string {
  try {
    decodeLokiJson(body, opts)
  } catch (e) {
    expect((e as { code?: string }).code).toBe('SKEIN_ERR_BAD_LOKI')
    expect((e as { status?: number }).status).toBe(400)
    return (e as Error).message
  }
  throw new Error('expected SKEIN_ERR_BAD_LOKI, nothing was thrown')
}

/** Runs a real pino logger through the real pino-loki transport and returns the bodies it POSTs. */
async function pinoLokiBodies(write: (log: pino.Logger) => void, count: number): Promise<unknown[]> {
  const bodies: unknown[] = []
  let done!: () => void
  const all = new Promise<void>((resolve) => {
    done = resolve
  })
  const server = createServer((req, res) => {
    let text = ''
    req.on('data', (c) => {
      text += c
    })
    req.on('end', () => {
      bodies.push(JSON.parse(text))
      res.writeHead(204).end()
      if (bodies.length === count) done()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  try {
    const stream = pinoLoki({
      host: `http://127.0.0.1:${port}`,
      batching: false,
      labels: { service_name: 'shop' },
    })
    write(pino({ level: 'trace' }, stream))
    await all
    return bodies
  } finally {
    server.close()
  }
}

describe('decodeLokiJson on what pino-loki really sends', () => {
  it('reads msg, level, trace context and fields from each pino line, labels into the resource', async () => {
    const bodies = await pinoLokiBodies((log) => {
      log.info(
        {
          trace_id: TRACE_ID,
          span_id: SPAN_ID,
          trace_flags: '01',
          orderId: 42,
          req: { method: 'GET', tags: ['a'] },
        },
        'order created',
      )
      log.trace('fine detail')
      log.fatal('down')
    }, 3)
    const rows = bodies.flatMap((b) => decodeLokiJson(b, opts).rows)
    const created = rows.find((r) => r[L.Body] === 'order created')!
    expect(created[L.TraceId]).toBe(TRACE_ID)
    expect(created[L.SpanId]).toBe(SPAN_ID)
    expect(created[L.TraceFlags]).toBe(1)
    expect(created[L.SeverityText]).toBe('INFO')
    expect(created[L.SeverityNumber]).toBe(9)
    expect(created[L.ServiceName]).toBe('shop')
    expect(created[L.ResourceAttributes]).toMatchObject({ service_name: 'shop', level: 'info' })
    expect(created[L.LogAttributes]).toMatchObject({
      orderId: '42',
      'req.method': 'GET',
      'req.tags': '["a"]',
    })
    expect(created[L.LogAttributes].pid).toBe(String(process.pid))
    // pino's `time` made the push timestamp; it is not repeated as an attribute.
    expect(created[L.LogAttributes]).not.toHaveProperty('time')
    expect(created[L.LogAttributes]).not.toHaveProperty('msg')
    expect(created[L.LogAttributes]).not.toHaveProperty('trace_id')
    expect(created[L.Timestamp]).toMatch(/^1\d{18}$/)
    // pino-loki labels level 10 as 'debug'; the line's own level says trace.
    expect(rows.find((r) => r[L.Body] === 'fine detail')![L.SeverityText]).toBe('TRACE')
    expect(rows.find((r) => r[L.Body] === 'down')![L.SeverityNumber]).toBe(21)
  })
})

describe('decodeLokiJson, line by line', () => {
  it('maps every pino level onto the OTel severity scale', () => {
    const levels = [10, 20, 30, 40, 50, 60].map((level) => one(JSON.stringify({ level, msg: 'x' })))
    expect(levels.map((r) => r[L.SeverityText])).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'])
    expect(levels.map((r) => r[L.SeverityNumber])).toEqual([1, 5, 9, 13, 17, 21])
    expect(one('{"level":"warn","msg":"x"}')[L.SeverityText]).toBe('WARN')
  })

  it('takes the level from the label when the line has none, and understands "warning" and "critical"', () => {
    expect(one('{"msg":"x"}', { level: 'warning' })[L.SeverityNumber]).toBe(13)
    expect(one('plain text', { level: 'critical' })[L.SeverityText]).toBe('FATAL')
  })

  it('keeps a line that is not JSON whole as Body', () => {
    const row = one('GET /health 200 1.2ms {not json')
    expect(row[L.Body]).toBe('GET /health 200 1.2ms {not json')
    expect(row[L.LogAttributes]).toEqual({})
    expect(row[L.SeverityText]).toBe('INFO')
    expect(one('[1,2]')[L.Body]).toBe('[1,2]')
  })

  it('uses `message` as Body when there is no `msg`, and keeps it as an attribute when there is', () => {
    expect(one('{"message":"hi","a":1}')[L.Body]).toBe('hi')
    expect(one('{"message":"hi","a":1}')[L.LogAttributes]).toEqual({ a: '1' })
    const both = one('{"msg":"m","message":"hi"}')
    expect(both[L.Body]).toBe('m')
    expect(both[L.LogAttributes]).toEqual({ message: 'hi' })
  })

  it('accepts camelCase trace keys and leaves invalid ids as attributes', () => {
    const camel = one(`{"traceId":"${TRACE_ID.toUpperCase()}","spanId":"${SPAN_ID}","traceFlags":1}`)
    expect([camel[L.TraceId], camel[L.SpanId], camel[L.TraceFlags]]).toEqual([TRACE_ID, SPAN_ID, 1])
    const bad = one(`{"trace_id":"xyz","span_id":"${'0'.repeat(16)}"}`)
    expect(bad[L.TraceId]).toBe('')
    expect(bad[L.SpanId]).toBe('')
    expect(bad[L.LogAttributes]).toEqual({ trace_id: 'xyz', span_id: '0'.repeat(16) })
  })

  it('reads trace context from structured metadata, other metadata as attributes (as strings)', () => {
    const { rows } = decodeLokiJson(
      push({ job: 'worker' }, [
        '5',
        '{"msg":"m"}',
        { trace_id: TRACE_ID, span_id: SPAN_ID, tenant: 'acme', n: 3 },
      ]),
      opts,
    )
    expect(rows[0][L.TraceId]).toBe(TRACE_ID)
    expect(rows[0][L.SpanId]).toBe(SPAN_ID)
    expect(rows[0][L.LogAttributes]).toEqual({ tenant: 'acme', n: '3' })
    expect(rows[0][L.ServiceName]).toBe('worker')
  })

  it('keeps pino `time` when it differs from the push timestamp', () => {
    expect(one('{"time":1600000000000,"msg":"m"}')[L.LogAttributes]).toEqual({ time: '1600000000000' })
    expect(one('{"time":1700000000123,"msg":"m"}')[L.LogAttributes]).toEqual({})
  })

  it('picks the service from service_name, then service, then job, else unknown_service', () => {
    expect(one('x', { service_name: 'a', service: 'b', job: 'c' })[L.ServiceName]).toBe('a')
    expect(one('x', { service: 'b', job: 'c' })[L.ServiceName]).toBe('b')
    expect(one('x', { job: 'c' })[L.ServiceName]).toBe('c')
    expect(one('x', { env: 'prod' })[L.ServiceName]).toBe(UNKNOWN_SERVICE)
  })
})

describe('decodeLokiJson with lines over maxLineBytes', () => {
  it('truncates at a character boundary, marks the row and keeps trace context, never drops the line', () => {
    // 'é' is 2 bytes: 1023 bytes of prefix + 'é' would split at byte 1024.
    const line = JSON.stringify({
      level: 50,
      trace_id: TRACE_ID,
      msg: `${'a'.repeat(1000)}é${'é'.repeat(600)}`,
    })
    const row = one(line)
    const body = row[L.Body]
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024)
    expect(Buffer.byteLength(body)).toBeGreaterThan(1020)
    expect(body).not.toContain('\uFFFD')
    expect(line.startsWith(body)).toBe(true)
    expect(row[L.LogAttributes]).toEqual({
      'skein.truncated': 'true',
      'skein.original_length': String(Buffer.byteLength(line)),
    })
    expect(row[L.TraceId]).toBe(TRACE_ID)
    expect(row[L.SeverityText]).toBe('ERROR')
  })

  it('leaves a line of exactly maxLineBytes alone', () => {
    const line = 'é'.repeat(512)
    expect(one(line)[L.Body]).toBe(line)
  })
})

describe('decodeLokiJson on bad input, with Loki-style 400 messages', () => {
  it('refuses a numeric timestamp', () => {
    expect(lokiError(push({ job: 'a' }, [1700000000000000000, 'x']))).toMatch(/timestamp must be a string/)
  })

  it('refuses a timestamp that is not an integer', () => {
    expect(lokiError(push({ job: 'a' }, ['17e17', 'x']))).toMatch(/invalid timestamp "17e17"/)
  })

  it('refuses an invalid label name, naming it', () => {
    expect(lokiError(push({ 'bad-label!': 'v' }, ['1', 'x']))).toMatch(/invalid label name "bad-label!"/)
    expect(lokiError(push({ '9lives': 'v' }, ['1', 'x']))).toMatch(/9lives/)
  })

  it('refuses more than 15 labels, and too long label names and values', () => {
    const many = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`l${i}`, 'v']))
    expect(lokiError(push(many, ['1', 'x']))).toMatch(/has 16 label names; limit 15/)
    expect(lokiError(push({ [`a${'b'.repeat(1024)}`]: 'v' }, ['1', 'x']))).toMatch(/has label name too long/)
    expect(lokiError(push({ job: 'é'.repeat(1025) }, ['1', 'x']))).toMatch(/has label value too long/)
    expect(() => decodeLokiJson(push({ job: 'é'.repeat(1024) }, ['1', 'x']), opts)).not.toThrow()
  })

  // Regression (issue 18, item 7): a 1 MiB label value came back twice in the 400 (in the label set and
  // as the value), a 2 MiB answer to a 1 MiB request.
  it('quotes only a short prefix of a huge label name or value in its refusal', () => {
    const huge = 'x'.repeat(1 << 20)
    const cases = [
      push({ service_name: huge }, ['1', 'x']),
      push({ [`a${huge}`]: 'v' }, ['1', 'x']),
      push({ [`bad-${huge}`]: 'v' }, ['1', 'x']),
      push({ [huge]: { nested: true } }, ['1', 'x']),
      push({ service_name: huge }, [1, 'x']),
    ]
    for (const body of cases) expect(lokiError(body).length).toBeLessThan(2100)
  })

  it('refuses a stream without labels', () => {
    expect(lokiError(push({}, ['1', 'x']))).toMatch(/at least one label pair is required/)
  })

  it('refuses values that are not 2- or 3-tuples, lines that are not strings, metadata that is not an object', () => {
    expect(lokiError(push({ job: 'a' }, ['1', 'x', {}, 'extra']))).toMatch(
      /values\[0\] must be \[timestamp, line\]/,
    )
    expect(lokiError(push({ job: 'a' }, ['1']))).toMatch(/values\[0\]/)
    expect(lokiError(push({ job: 'a' }, ['1', 5]))).toMatch(/line must be a string/)
    expect(lokiError(push({ job: 'a' }, ['1', 'x', 'meta']))).toMatch(/structured metadata must be an object/)
  })

  it('refuses a body of the wrong shape', () => {
    expect(lokiError([])).toMatch(/streams/)
    expect(lokiError({ streams: {} })).toMatch(/"streams" must be an array/)
    expect(lokiError({ streams: [{ stream: 'job=a', values: [] }] })).toMatch(/must be an object of labels/)
    expect(decodeLokiJson({ streams: [] }, opts)).toEqual({ rows: [], rejected: 0 })
  })
})
