/**
 * Fastify's and Node's own refusals in Skein's coded shape. Fastify answers some requests before any
 * handler of ours runs (a path that is not valid percent-encoding, a path parameter over the limit, a
 * body over the limit or of a type nobody parses), and Node answers what it cannot parse as HTTP at all;
 * each would otherwise reach the client as `{"error":"Bad Request","statusCode":400,...}` or a bare
 * status line. Both HTTP ports build their fastify instances with these.
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorName, type SkeinError, skeinError, toHttp } from '../errors.js'

const BY_STATUS: Record<number, ErrorName> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'BODY_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'HEADERS_TOO_LARGE',
}

/**
 * The coded error for an error fastify raised itself (codes `FST_ERR_*` with a 4xx status), or
 * undefined for anything else (a handler's error, which the caller maps as its own).
 */
export function fromFastifyError(err: unknown, req?: FastifyRequest): SkeinError | undefined {
  const { code, statusCode } = (err ?? {}) as Partial<FastifyError>
  if (typeof code !== 'string' || !code.startsWith('FST_ERR_')) return undefined
  switch (code) {
    case 'FST_ERR_BAD_URL':
      return skeinError('BAD_REQUEST', 'the path of the URL is not valid percent-encoded UTF-8')
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return skeinError('URI_TOO_LONG')
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = req?.routeOptions?.bodyLimit
      return skeinError('BODY_TOO_LARGE', `body is over the limit${limit ? ` of ${limit} bytes` : ''}`)
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return skeinError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Type ${JSON.stringify(req?.headers['content-type'] ?? '')} is not supported here`,
      )
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return skeinError('BAD_JSON', 'body is not valid JSON')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return skeinError('BAD_JSON', 'body is empty; expected JSON')
  }
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode > 499) return undefined
  return skeinError(BY_STATUS[statusCode] ?? 'BAD_REQUEST', (err as Error).message)
}

/**
 * A fastify `frameworkErrors` option: the errors fastify raises while routing (bad URL, long parameter),
 * handed to `send` in the coded shape. These requests never reach a route, so no hook ran for them.
 */
export function frameworkErrors(
  send: (req: FastifyRequest, reply: FastifyReply, e: SkeinError) => FastifyReply | undefined,
): (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => void {
  return (err, req, reply) => {
    send(req, reply, fromFastifyError(err, req) ?? skeinError('BAD_REQUEST'))
  }
}

/**
 * A fastify `clientErrorHandler`: Node's parser refused the request (malformed, headers over the size
 * limit, too slow), so the answer is written on the socket by hand, with `headers` (the port's security
 * headers) and the connection closed, as Node itself does.
 */
export function clientErrorHandler(
  headers: Readonly<Record<string, string>> = {},
): (err: NodeJS.ErrnoException, socket: Socket) => void {
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')
  return (err, socket) => {
    // A reset connection, or one already gone: there is no one to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    const e =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? skeinError('HEADERS_TOO_LARGE')
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? skeinError('REQUEST_TIMEOUT')
          : skeinError('BAD_REQUEST', 'malformed HTTP request')
    if (socket.writable) {
      const answer = toHttp(e)
      const body = JSON.stringify(answer.body)
      const fields = Object.entries({ ...answer.headers, 'content-length': String(Buffer.byteLength(body)) })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')
      socket.write(
        `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n${fields}${extra}Connection: close\r\n\r\n${body}`,
      )
    }
    socket.destroy()
  }
}
