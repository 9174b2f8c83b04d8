/**
 * The one registry of Skein's coded errors. Every error a client can see has a code here, a default
 * message, an HTTP status and a retryability; receivers and the query API map them to HTTP and gRPC
 * in one place (`toHttp`, `toGrpcStatus`), and tests assert on `code`.
 */
export interface ErrorDef {
  readonly code: string
  readonly status: number
  /** Retryable errors tell the client to come back later (503 + Retry-After, gRPC UNAVAILABLE). */
  readonly retryable: boolean
}

function def(code: string, status: number, retryable = false): ErrorDef {
  return { code, status, retryable }
}

export const ERR = {
  BAD_REQUEST: def('SKEIN_ERR_BAD_REQUEST', 400),
  BAD_PROTOBUF: def('SKEIN_ERR_BAD_PROTOBUF', 400),
  BAD_JSON: def('SKEIN_ERR_BAD_JSON', 400),
  BAD_GZIP: def('SKEIN_ERR_BAD_GZIP', 400),
  BAD_SNAPPY: def('SKEIN_ERR_BAD_SNAPPY', 400),
  BAD_LOKI: def('SKEIN_ERR_BAD_LOKI', 400),
  BAD_PARAM: def('SKEIN_ERR_BAD_PARAM', 400),
  BAD_RULE: def('SKEIN_ERR_BAD_RULE', 400),
  /** An alert webhook aimed where it may not go (loopback, private, metadata) or carrying credentials. */
  WEBHOOK_NOT_ALLOWED: def('SKEIN_ERR_WEBHOOK_NOT_ALLOWED', 400),
  /** Storage refused the rows of a request as invalid (after decoding accepted them). */
  STORAGE_REJECTED: def('SKEIN_ERR_STORAGE_REJECTED', 400),
  UNAUTHORIZED: def('SKEIN_ERR_UNAUTHORIZED', 401),
  /** `Host` is not one of --allowed-hosts (a DNS-rebound name, most likely). */
  HOST_NOT_ALLOWED: def('SKEIN_ERR_HOST_NOT_ALLOWED', 403),
  NOT_FOUND: def('SKEIN_ERR_NOT_FOUND', 404),
  /** The client did not send its whole request in time (Node's request or headers timeout). */
  REQUEST_TIMEOUT: def('SKEIN_ERR_REQUEST_TIMEOUT', 408),
  BODY_TOO_LARGE: def('SKEIN_ERR_BODY_TOO_LARGE', 413),
  /** A path parameter over the router's length limit. */
  URI_TOO_LONG: def('SKEIN_ERR_URI_TOO_LONG', 414),
  UNSUPPORTED_MEDIA_TYPE: def('SKEIN_ERR_UNSUPPORTED_MEDIA_TYPE', 415),
  UNSUPPORTED_ENCODING: def('SKEIN_ERR_UNSUPPORTED_ENCODING', 415),
  HEADERS_TOO_LARGE: def('SKEIN_ERR_HEADERS_TOO_LARGE', 431),
  BACKPRESSURE: def('SKEIN_ERR_BACKPRESSURE', 503, true),
  STORAGE_UNAVAILABLE: def('SKEIN_ERR_STORAGE_UNAVAILABLE', 503, true),
  SHUTTING_DOWN: def('SKEIN_ERR_SHUTTING_DOWN', 503, true),
  QUERY_TIMEOUT: def('SKEIN_ERR_QUERY_TIMEOUT', 503, true),
  INTERNAL: def('SKEIN_ERR_INTERNAL', 500),
  CONFIG: def('SKEIN_ERR_CONFIG', 2),
} as const

export type ErrorName = keyof typeof ERR

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
  readonly retryable: boolean

  constructor(d: ErrorDef, message: string, options?: { cause?: unknown }) {
    super(clip(message, MAX_MESSAGE_CHARS), options)
    this.name = 'SkeinError'
    this.code = d.code
    this.status = d.status
    this.retryable = d.retryable
  }
}

export function skeinError(name: ErrorName, message: string, cause?: unknown): SkeinError {
  return new SkeinError(ERR[name], message, cause === undefined ? undefined : { cause })
}

export function isSkeinError(e: unknown): e is SkeinError {
  return e instanceof SkeinError
}

/** Anything that is not a SkeinError is an internal error: its message is not shown to clients. */
export function asSkeinError(e: unknown): SkeinError {
  if (e instanceof SkeinError) return e
  return new SkeinError(ERR.INTERNAL, 'internal error', { cause: e })
}

/** The JSON error body of the query and ingest APIs. */
export function errorBody(e: SkeinError): { error: { code: string; message: string } } {
  return { error: { code: e.code, message: e.message } }
}

/** gRPC status codes (numeric, from the gRPC spec) for our errors. */
export function toGrpcStatus(e: SkeinError): number {
  if (e.retryable) return 14 // UNAVAILABLE
  switch (e.status) {
    case 400:
    case 415:
      return 3 // INVALID_ARGUMENT
    case 401:
      return 16 // UNAUTHENTICATED
    case 403:
      return 7 // PERMISSION_DENIED
    case 404:
      return 5 // NOT_FOUND
    case 408:
      return 4 // DEADLINE_EXCEEDED
    case 413:
    case 414:
    case 431:
      return 8 // RESOURCE_EXHAUSTED
    default:
      return 13 // INTERNAL
  }
}
