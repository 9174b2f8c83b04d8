/**
 * Realistic OTLP ExportTraceServiceRequest payloads for benchmarks, encoded directly (a small protobuf
 * writer), with the offsets of every trace/span id recorded so a payload can be re-sent with fresh ids
 * by patching bytes instead of re-encoding.
 */
import { randomBytes } from 'node:crypto'

class Writer {
  buf: number[] = []
  varint(n: number | bigint) {
    let v = BigInt(n)
    while (v > 0x7fn) {
      this.buf.push(Number((v & 0x7fn) | 0x80n))
      v >>= 7n
    }
    this.buf.push(Number(v))
  }
  tag(field: number, wire: number) {
    this.varint((field << 3) | wire)
  }
  bytes(field: number, b: Uint8Array | number[]) {
    this.tag(field, 2)
    this.varint(b.length)
    for (const x of b) this.buf.push(x)
  }
  string(field: number, s: string) {
    this.bytes(field, Buffer.from(s, 'utf8'))
  }
  fixed64(field: number, v: bigint) {
    this.tag(field, 1)
    for (let i = 0; i < 8; i++) this.buf.push(Number((v >> BigInt(8 * i)) & 0xffn))
  }
  uint(field: number, v: number) {
    this.tag(field, 0)
    this.varint(v)
  }
  message(field: number, inner: Writer) {
    this.bytes(field, inner.buf)
  }
}

function anyValue(v: string | number | boolean): Writer {
  const w = new Writer()
  if (typeof v === 'string') w.string(1, v)
  else if (typeof v === 'boolean') w.uint(2, v ? 1 : 0)
  else if (Number.isInteger(v)) w.uint(3, v)
  else {
    w.tag(4, 1)
    const b = Buffer.alloc(8)
    b.writeDoubleLE(v)
    for (const x of b) w.buf.push(x)
  }
  return w
}

function keyValue(key: string, v: string | number | boolean): Writer {
  const w = new Writer()
  w.string(1, key)
  w.message(2, anyValue(v))
  return w
}

export const SERVICES = Array.from({ length: 20 }, (_, i) => `service-${i}`)
export const OPERATIONS = Array.from(
  { length: 200 },
  (_, i) => `${['GET', 'POST', 'PUT'][i % 3]} /api/v1/resource-${i}/:id`,
)

export interface Payload {
  bytes: Buffer
  /** Offsets of 16-byte trace ids in `bytes`. */
  traceIdOffsets: number[]
  spans: number
}

/**
 * One request of `spans` spans: traces of 10 spans each (a server root and children), ~10 attributes per
 * span, one service per request (as an SDK sends it).
 */
export function makePayload(spans: number, seed: number): Payload {
  const service = SERVICES[seed % SERVICES.length]
  const scopeSpans = new Writer()
  scopeSpans.message(
    1,
    (() => {
      const s = new Writer()
      s.string(1, '@opentelemetry/instrumentation-http')
      s.string(2, '0.223.0')
      return s
    })(),
  )
  const now = BigInt(Date.now()) * 1_000_000n
  const spanMessages: { w: Writer; traceIdAt: number }[] = []
  let traceId = randomBytes(16)
  let rootId = randomBytes(8)
  for (let i = 0; i < spans; i++) {
    if (i % 10 === 0) {
      traceId = randomBytes(16)
      rootId = randomBytes(8)
    }
    const isRoot = i % 10 === 0
    const spanId = isRoot ? rootId : randomBytes(8)
    const w = new Writer()
    const traceIdAt = 2 // tag(1) + length(16) precede the 16 bytes
    w.bytes(1, traceId)
    w.bytes(2, spanId)
    if (!isRoot) w.bytes(4, rootId)
    const op = OPERATIONS[(seed * 7 + i) % OPERATIONS.length]
    w.string(5, isRoot ? op : `SELECT table_${i % 13}`)
    w.uint(6, isRoot ? 2 : 3)
    const start = now + BigInt(i) * 1_000_000n
    const dur = BigInt(Math.floor(1_000_000 + Math.random() * 200_000_000))
    w.fixed64(7, start)
    w.fixed64(8, start + dur)
    const attrs: [string, string | number | boolean][] = isRoot
      ? [
          ['http.request.method', op.split(' ')[0]],
          ['url.path', `/api/v1/resource-${i}/${seed}`],
          ['http.route', op.split(' ')[1]],
          ['http.response.status_code', 200],
          ['server.address', 'api.example.com'],
          ['user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36'],
          ['client.address', '10.0.0.12'],
          ['network.protocol.version', '1.1'],
          ['http.request.body.size', 512],
          ['enduser.id', `user-${seed % 1000}`],
        ]
      : [
          ['db.system', 'postgresql'],
          ['db.name', 'shop'],
          ['db.operation', 'SELECT'],
          ['db.statement', `SELECT * FROM table_${i % 13} WHERE id = $1`],
          ['server.address', 'db.internal'],
          ['server.port', 5432],
          ['db.rows', i],
          ['cache.hit', i % 2 === 0],
          ['retry.count', 0],
          ['duration.ratio', 0.25],
        ]
    for (const [k, v] of attrs) w.message(9, keyValue(k, v))
    const status = new Writer()
    if (i % 50 === 7) {
      status.string(2, 'connection reset')
      status.uint(3, 2)
    }
    w.message(15, status)
    spanMessages.push({ w, traceIdAt })
  }
  // Assemble: ResourceSpans{ resource(1), scope_spans(2){ scope(1), spans(2)* } }
  const resource = new Writer()
  for (const [k, v] of [
    ['service.name', service],
    ['service.version', '1.4.2'],
    ['host.name', `host-${seed % 5}`],
    ['process.pid', 4242],
    ['telemetry.sdk.language', 'nodejs'],
  ] as [string, string | number][]) {
    resource.message(1, keyValue(k, v))
  }
  // Encode spans last so offsets can be computed relative to the final buffer.
  const ss = new Writer()
  ss.buf.push(...scopeSpans.buf)
  const spanOffsetsInSS: number[] = []
  for (const { w, traceIdAt } of spanMessages) {
    ss.tag(2, 2)
    ss.varint(w.buf.length)
    spanOffsetsInSS.push(ss.buf.length + traceIdAt)
    ss.buf.push(...w.buf)
  }
  const rs = new Writer()
  rs.message(1, resource)
  rs.tag(2, 2)
  rs.varint(ss.buf.length)
  const ssStart = rs.buf.length
  for (const b of ss.buf) rs.buf.push(b)
  const req = new Writer()
  req.tag(1, 2)
  req.varint(rs.buf.length)
  const rsStart = req.buf.length
  for (const b of rs.buf) req.buf.push(b)
  return {
    bytes: Buffer.from(req.buf),
    traceIdOffsets: spanOffsetsInSS.map((o) => rsStart + ssStart + o),
    spans,
  }
}

/** A copy of the payload with fresh trace ids (spans of one trace keep sharing theirs). */
export function withFreshIds(p: Payload): Buffer {
  const out = Buffer.from(p.bytes)
  let id = randomBytes(16)
  for (let i = 0; i < p.traceIdOffsets.length; i++) {
    if (i % 10 === 0) id = randomBytes(16)
    id.copy(out, p.traceIdOffsets[i])
  }
  return out
}
