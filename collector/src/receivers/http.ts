/**
 * The HTTP ingest receiver (port 4318): OTLP/HTTP `POST /v1/traces` and `/v1/logs` (protobuf or JSON,
 * gzip allowed), Loki `POST /loki/api/v1/push` (JSON, gzip allowed), `GET /health`, `GET /metrics`.
 * It only decodes and hands rows to the pipeline; it answers once the pipeline says they are stored.
 * Responses follow the OTLP/HTTP specification: the response's content type matches the request's,
 * errors carry a google.rpc.Status, 503 comes with Retry-After.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import {
  decodeLogsJson,
  decodeLogsProto,
  decodeLokiJson,
  decodeLokiProto,
  decodeTracesJson,
  decodeTracesProto,
} from '../decode/index.js'
import { asSkeinError, clip, type SkeinError, skeinError, toGrpc, toHttp } from '../errors.js'
import { clientErrorHandler, frameworkErrors } from '../http/errors.js'
import { allowHosts, requireToken } from '../http/guard.js'
import type { LogFn } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { Lease } from '../pipeline/memory.js'
import type { Pipeline } from '../pipeline/pipeline.js'
import type { Decoded, LogRow, SpanRow } from '../rows.js'
import { formatDuration } from '../units.js'
import { admit } from './admit.js'
import { decodeBody, readBody, snappyBlock, type Take } from './body.js'
import { exportResponseJson, exportResponseProto, statusProto } from './otlp-response.js'

export interface ReceiverDeps {
  config: Config
  pipeline: Pipeline
  metrics: Metrics
  /** Storage readiness, for /health. */
  ready: () => boolean
  log: LogFn
}

type Kind = 'proto' | 'json'

const PROTO_TYPES = ['application/x-protobuf', 'application/protobuf']

function kindOf(req: FastifyRequest): Kind {
  const ct = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  return PROTO_TYPES.includes(ct) ? 'proto' : 'json'
}

/** The body length the request declares (Content-Length), if it declares one. */
function declaredLength(req: FastifyRequest): number | undefined {
  const n = Number(req.headers['content-length'])
  return req.headers['content-length'] !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'))
  } catch (e) {
    throw skeinError('BAD_JSON', `body is not valid JSON: ${(e as Error).message}`)
  }
}

/**
 * An error in OTLP/HTTP's encodings: a google.rpc.Status in protobuf, or in JSON its fields beside
 * Skein's coded body; status and headers (Retry-After) as for every port.
 */
function sendError(reply: FastifyReply, kind: Kind | 'loki', e: SkeinError): FastifyReply {
  const { status, headers, body } = toHttp(e)
  const { code, details } = toGrpc(e)
  reply.code(status).headers(headers)
  if (kind === 'proto')
    return reply.type('application/x-protobuf').send(Buffer.from(statusProto(code, details)))
  return reply.send({ code, message: details, ...body })
}

export async function createIngestServer(deps: ReceiverDeps): Promise<FastifyInstance> {
  const { config, pipeline, metrics } = deps
  const app = Fastify({
    logger: false,
    return503OnClosing: true,
    frameworkErrors: frameworkErrors((req, reply, e) => sendError(reply, kindOf(req), e)),
    clientErrorHandler: clientErrorHandler(),
  })

  app.removeAllContentTypeParsers()
  app.addContentTypeParser([...PROTO_TYPES, 'application/json'], (req, payload, done) => {
    readBody(payload, config.maxBodyBytes, declaredLength(req), takeFor(req)).then(
      (b) => done(null, b),
      (e) => done(e as Error, undefined),
    )
  })

  /**
   * Admission, before a byte of a body is read (issue 18.3): a declared length over the limit is a 413 at
   * once; the memory bound and the in-flight budget are checked and the declared length taken now (a body
   * without one is taken chunk by chunk as it is read). What a request took is given back when its
   * exchange ends, however it ends. Runs after the token check (onRequest): strangers take nothing.
   */
  const leases = new WeakMap<FastifyRequest['raw'], Lease>()
  const takeFor =
    (req: FastifyRequest): Take =>
    (bytes) => {
      const lease = leases.get(req.raw)
      const no = lease && pipeline.memory.admit(lease, bytes)
      if (no) metrics.refusedRequest(no.cause)
      return no?.message
    }
  app.addHook('preParsing', async (req, reply, payload) => {
    if (req.method !== 'POST') return payload
    const declared = declaredLength(req)
    if (declared !== undefined && declared > config.maxBodyBytes)
      throw skeinError(
        'BODY_TOO_LARGE',
        `body of ${declared} bytes is over the limit of ${config.maxBodyBytes}`,
      )
    const lease = pipeline.memory.lease()
    leases.set(req.raw, lease)
    reply.raw.once('close', lease.release)
    const no = takeFor(req)(declared ?? 0)
    if (no) throw skeinError('BACKPRESSURE', no)
    return payload
  })

  app.setErrorHandler((err, req, reply) => {
    const kind = req.url.startsWith('/loki') ? 'loki' : kindOf(req)
    const code = (err as { code?: string }).code
    let e: SkeinError
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      e = skeinError('BODY_TOO_LARGE', `body is over the limit of ${config.maxBodyBytes} bytes`)
    else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      e = skeinError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not supported; use application/x-protobuf or application/json`,
      )
    else if (code?.startsWith('FST_ERR_CTP')) e = skeinError('BAD_REQUEST', (err as Error).message)
    else e = asSkeinError(err)
    // A client that went away mid-request (closed, reset, too slow) is not our error: one ERROR with a
    // stack per dropped connection flooded the log (97k lines in a probe). One debug line.
    const socket = req.raw.socket as { destroyed?: boolean } | null
    if (req.raw.aborted || !socket || socket.destroyed)
      deps.log('debug', `ingest ${req.method} ${req.url}: the client went away (${(err as Error).message})`)
    else if (e.status >= 500 && !e.retryable)
      deps.log('error', `ingest ${req.method} ${req.url}: ${(err as Error).stack ?? err}`)
    return sendError(reply, kind === 'loki' ? 'json' : kind, e)
  })

  app.setNotFoundHandler((req, reply) =>
    sendError(
      reply,
      kindOf(req),
      skeinError('NOT_FOUND', `no endpoint ${req.method} ${clip(req.url.split('?')[0], 200)}`),
    ),
  )

  // Health stays open for load balancers and probes; every other route, /metrics included, needs the
  // token, decided on the route the request reached (see http/guard.ts). Loki clients read JSON errors.
  const deny = (req: FastifyRequest, reply: FastifyReply, e: SkeinError) =>
    sendError(reply, req.routeOptions.url?.startsWith('/loki') ? 'json' : kindOf(req), e)
  allowHosts(app, config.allowedHosts, deny)
  requireToken(app, config.ingestToken, deny)

  app.get('/health', { config: { public: true } }, async (_req, reply) => {
    if (!deps.ready()) return reply.code(503).send({ status: 'unavailable' })
    const refusing = pipeline.memory.refusal()
    if (refusing) return reply.code(503).send({ status: 'unavailable', reason: refusing })
    return { status: 'ok' }
  })
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render()))

  /**
   * The part every ingest handler shares: the (decompressed) body decoded into rows, malformed bodies
   * and rejected items counted, the rows handed to the pipeline — resolving once they are stored.
   */
  async function ingest<R extends [string, ...unknown[]]>(
    req: FastifyRequest,
    signal: 'spans' | 'logs',
    decode: (body: Buffer) => Decoded<R>,
    consume: (rows: R[], bytes: number) => Promise<void>,
    encoding = req.headers['content-encoding'] as string | undefined,
  ): Promise<Decoded<R> & { expired: number; future: number }> {
    if (!Buffer.isBuffer(req.body)) throw skeinError('BAD_REQUEST', 'empty body')
    const body = await decodeBody(req.body, encoding, config.maxBodyBytes, takeFor(req))
    // The raw body is not needed past here: let it go now rather than when the response is sent.
    req.body = undefined
    const bytes = body.length
    let decoded: Decoded<R>
    try {
      decoded = decode(body)
    } catch (e) {
      metrics.rejected(signal, 'malformed', 1)
      throw e
    }
    const kept = admit(decoded, signal, deps)
    await consume(kept.rows, bytes)
    return kept
  }

  async function otlp<R extends [string, ...unknown[]]>(
    req: FastifyRequest,
    reply: FastifyReply,
    signal: 'spans' | 'logs',
    proto: (b: Uint8Array) => Decoded<R>,
    json: (b: unknown) => Decoded<R>,
    consume: (rows: R[], bytes: number) => Promise<void>,
  ) {
    const kind = kindOf(req)
    const decoded = await ingest(
      req,
      signal,
      (b) => (kind === 'proto' ? proto(b) : json(parseJson(b))),
      consume,
    )
    if (kind === 'proto') {
      return reply
        .code(200)
        .type('application/x-protobuf')
        .send(Buffer.from(exportResponseProto(decoded.rejected, decoded.rejectReason)))
    }
    return reply
      .code(200)
      .type('application/json')
      .send(exportResponseJson(signal, decoded.rejected, decoded.rejectReason))
  }

  app.post('/v1/traces', (req, reply) =>
    otlp<SpanRow>(req, reply, 'spans', decodeTracesProto, decodeTracesJson, (r, b) =>
      pipeline.spans.consume(r, b),
    ),
  )
  app.post('/v1/logs', (req, reply) =>
    otlp<LogRow>(req, reply, 'logs', decodeLogsProto, decodeLogsJson, (r, b) => pipeline.logs.consume(r, b)),
  )
  app.post('/loki/api/v1/push', async (req, reply) => {
    const opts = { maxLineBytes: config.maxLineBytes }
    const consume = (rows: LogRow[], bytes: number) => pipeline.logs.consume(rows, bytes)
    // Protobuf pushes are snappy blocks (Promtail, Alloy); a Content-Encoding of "snappy" says the same.
    const encoding = req.headers['content-encoding'] as string | undefined
    const kept =
      kindOf(req) === 'proto'
        ? await ingest(
            req,
            'logs',
            (b) => decodeLokiProto(snappyBlock(b, config.maxBodyBytes, takeFor(req)), opts),
            consume,
            encoding?.trim().toLowerCase() === 'snappy' ? 'identity' : encoding,
          )
        : await ingest(req, 'logs', (b) => decodeLokiJson(parseJson(b), opts), consume)
    // As Loki answers "timestamp too old" or "too far in the future": the other lines are stored, the push
    // is told what was not.
    if (kept.expired > 0 || kept.future > 0) {
      const old = `older than the retention (${config.retentionDays} days)`
      const ahead = `more than ${formatDuration(config.maxFutureMs)} in the future`
      const total = kept.expired + kept.future + kept.rows.length
      const what =
        kept.future === 0
          ? `${kept.expired} of ${total} entries are ${old}`
          : kept.expired === 0
            ? `${kept.future} of ${total} entries are ${ahead}`
            : `${kept.expired} of ${total} entries are ${old}, ${kept.future} ${ahead},`
      throw skeinError('BAD_LOKI', `${what} and were not stored; the other ${kept.rows.length} were`)
    }
    return reply.code(204).send()
  })
  return app
}
