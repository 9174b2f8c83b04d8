/**
 * The one registry of Skein's coded errors. Every error a client can see is declared here once: its
 * code, its HTTP status, its gRPC status, whether it is retryable, and a default message (a more specific
 * one may be given where it is raised). Every port answers through `toHttp` or `toGrpc`, and tests assert
 * on `code`.
 */

/** gRPC status codes (numeric, from the gRPC spec), by name; only those Skein answers with. */
export const GRPC_STATUS = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const

export type GrpcStatusName = keyof typeof GRPC_STATUS

export interface ErrorDef {
  readonly code: string
  /**
   * The HTTP status; for CONFIG, which stops start-up and never reaches a client, the exit code of a bad
   * configuration.
   */
  readonly status: number
  readonly grpcStatus: number
  /**
   * Retryable errors tell the client to come back later (503 + Retry-After, gRPC UNAVAILABLE): the
   * request was fine, the collector or its storage cannot take it now.
   */
  readonly retryable: boolean
  /** The message when the place that raises it has nothing more specific to say. */
  readonly message: string
}

function def(
  code: string,
  status: number,
  grpc: GrpcStatusName,
  message: string,
  retryable = false,
): ErrorDef {
  return { code, status, grpcStatus: GRPC_STATUS[grpc], retryable, message }
}

/** A retryable error: always 503, gRPC UNAVAILABLE, with Retry-After. */
function later(code: string, message: string): ErrorDef {
  return def(code, 503, 'UNAVAILABLE', message, true)
}

export const ERR = {
  BAD_REQUEST: def('SKEIN_ERR_BAD_REQUEST', 400, 'INVALID_ARGUMENT', 'bad request'),
  BAD_PROTOBUF: def('SKEIN_ERR_BAD_PROTOBUF', 400, 'INVALID_ARGUMENT', 'body is not valid OTLP protobuf'),
  BAD_JSON: def('SKEIN_ERR_BAD_JSON', 400, 'INVALID_ARGUMENT', 'body is not valid JSON'),
  BAD_GZIP: def('SKEIN_ERR_BAD_GZIP', 400, 'INVALID_ARGUMENT', 'body is not valid gzip'),
  BAD_SNAPPY: def('SKEIN_ERR_BAD_SNAPPY', 400, 'INVALID_ARGUMENT', 'body is not a valid snappy block'),
  BAD_LOKI: def('SKEIN_ERR_BAD_LOKI', 400, 'INVALID_ARGUMENT', 'body is not a valid Loki push'),
  BAD_PARAM: def('SKEIN_ERR_BAD_PARAM', 400, 'INVALID_ARGUMENT', 'invalid parameter'),
  BAD_RULE: def('SKEIN_ERR_BAD_RULE', 400, 'INVALID_ARGUMENT', 'invalid alert rule'),
  /** An alert webhook aimed where it may not go (loopback, private, metadata) or carrying credentials. */
  WEBHOOK_NOT_ALLOWED: def(
    'SKEIN_ERR_WEBHOOK_NOT_ALLOWED',
    400,
    'INVALID_ARGUMENT',
    'the webhook URL is not one alerts may send to',
  ),
  /** A TraceQL or LogQL query (the Tempo and Loki read APIs) that does not parse. */
  BAD_QUERY: def('SKEIN_ERR_BAD_QUERY', 400, 'INVALID_ARGUMENT', 'the query does not parse'),
  /** A TraceQL or LogQL construct outside the subset Skein answers; the message names it. */
  UNSUPPORTED_QUERY: def(
    'SKEIN_ERR_UNSUPPORTED_QUERY',
    400,
    'INVALID_ARGUMENT',
    'the query uses a construct Skein does not support',
  ),
  /** Storage refused the rows of a request as invalid (after decoding accepted them). */
  STORAGE_REJECTED: def('SKEIN_ERR_STORAGE_REJECTED', 400, 'INVALID_ARGUMENT', 'storage refused the data'),
  UNAUTHORIZED: def('SKEIN_ERR_UNAUTHORIZED', 401, 'UNAUTHENTICATED', 'missing or wrong bearer token'),
  /** `Host` is not one of --allowed-hosts (a DNS-rebound name, most likely). */
  HOST_NOT_ALLOWED: def(
    'SKEIN_ERR_HOST_NOT_ALLOWED',
    403,
    'PERMISSION_DENIED',
    'the Host header names no host this server answers to; add it to --allowed-hosts',
  ),
  NOT_FOUND: def('SKEIN_ERR_NOT_FOUND', 404, 'NOT_FOUND', 'not found'),
  /** The client did not send its whole request in time (Node's request or headers timeout). */
  REQUEST_TIMEOUT: def(
    'SKEIN_ERR_REQUEST_TIMEOUT',
    408,
    'DEADLINE_EXCEEDED',
    'the request was not received in time',
  ),
  BODY_TOO_LARGE: def('SKEIN_ERR_BODY_TOO_LARGE', 413, 'RESOURCE_EXHAUSTED', 'body is over the limit'),
  /** A path parameter over the router's length limit. */
  URI_TOO_LONG: def(
    'SKEIN_ERR_URI_TOO_LONG',
    414,
    'RESOURCE_EXHAUSTED',
    'a segment of the path is longer than the server accepts',
  ),
  UNSUPPORTED_MEDIA_TYPE: def(
    'SKEIN_ERR_UNSUPPORTED_MEDIA_TYPE',
    415,
    'INVALID_ARGUMENT',
    'the Content-Type is not supported here',
  ),
  UNSUPPORTED_ENCODING: def(
    'SKEIN_ERR_UNSUPPORTED_ENCODING',
    415,
    'INVALID_ARGUMENT',
    'the Content-Encoding is not supported',
  ),
  HEADERS_TOO_LARGE: def(
    'SKEIN_ERR_HEADERS_TOO_LARGE',
    431,
    'RESOURCE_EXHAUSTED',
    'the request headers are over the size limit',
  ),
  BACKPRESSURE: later('SKEIN_ERR_BACKPRESSURE', 'the collector holds as much as it may; retry later'),
  STORAGE_UNAVAILABLE: later('SKEIN_ERR_STORAGE_UNAVAILABLE', 'storage is unavailable; retry later'),
  SHUTTING_DOWN: later('SKEIN_ERR_SHUTTING_DOWN', 'the collector is shutting down; retry'),
  QUERY_TIMEOUT: later(
    'SKEIN_ERR_QUERY_TIMEOUT',
    'the query took longer than its time limit; narrow the time range or filters',
  ),
  INTERNAL: def('SKEIN_ERR_INTERNAL', 500, 'INTERNAL', 'internal error'),
  CONFIG: def('SKEIN_ERR_CONFIG', 2, 'INTERNAL', 'invalid configuration'),
} as const satisfies Record<string, ErrorDef>

export type ErrorName = keyof typeof ERR

/** The Retry-After (seconds) of every retryable answer, on every HTTP port. */
export const RETRY_AFTER_SECONDS = 2

/**
 * Longest message of an error. Messages quote what the client sent (a label, a parameter, a path); past
 * this they are cut, so a refusal is never an amplified echo of a large request.
 */
export const MAX_MESSAGE_CHARS = 2048

/** `text` cut to `max` characters (marked with an ellipsis), for quoting client input in messages. */
export function clip(text: string, max = 256): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}

export class SkeinError extends Error {
  readonly code: string
  readonly status: number
  readonly grpcStatus: number
  readonly retryable: boolean

  /** `new SkeinError('STORAGE_UNAVAILABLE')` says the registry's message; pass one to say more. */
  constructor(kind: ErrorName | ErrorDef, message?: string, options?: { cause?: unknown }) {
    const d = typeof kind === 'string' ? ERR[kind] : kind
    super(clip(message ?? d.message, MAX_MESSAGE_CHARS), options)
    this.name = 'SkeinError'
    this.code = d.code
    this.status = d.status
    this.grpcStatus = d.grpcStatus
    this.retryable = d.retryable
  }
}

export function skeinError(name: ErrorName, message?: string, cause?: unknown): SkeinError {
  return new SkeinError(name, message, cause === undefined ? undefined : { cause })
}

export function isSkeinError(e: unknown): e is SkeinError {
  return e instanceof SkeinError
}

/** Anything that is not a SkeinError is an internal error: its message is not shown to clients. */
export function asSkeinError(e: unknown): SkeinError {
  if (e instanceof SkeinError) return e
  return new SkeinError('INTERNAL', undefined, { cause: e })
}

export interface ErrorBody {
  error: { code: string; message: string }
}

/** The JSON error body of the query and ingest APIs. */
export function errorBody(e: SkeinError): ErrorBody {
  return { error: { code: e.code, message: e.message } }
}

/** An error as an HTTP answer: what every HTTP port sends for it (the OTLP ones add their encodings). */
export interface HttpError {
  status: number
  /** Content-Type, and Retry-After for a retryable error. */
  headers: Record<string, string>
  body: ErrorBody
}

/** The HTTP answer for any error: a SkeinError as declared, anything else as a 500 without details. */
export function toHttp(e: unknown): HttpError {
  const err = asSkeinError(e)
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }
  if (err.retryable) headers['retry-after'] = String(RETRY_AFTER_SECONDS)
  return { status: err.status, headers, body: errorBody(err) }
}

/** An error as a gRPC status, shaped as grpc-js takes it (`callback(status)`, `call.sendStatus(status)`). */
export interface GrpcError {
  code: number
  details: string
}

/** The gRPC status for any error: a SkeinError as declared, anything else as INTERNAL without details. */
export function toGrpc(e: unknown): GrpcError {
  const err = asSkeinError(e)
  return { code: err.grpcStatus, details: err.message }
}
