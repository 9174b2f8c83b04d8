import { fileURLToPath } from 'node:url'
import type { SpanContext } from '@opentelemetry/api'
import { context, INVALID_SPANID, INVALID_TRACEID, trace } from '@opentelemetry/api'
import type { Logger, LoggerOptions } from 'pino'
import pino from 'pino'
import type { ResolvedOptions } from './options.js'
import type { LokiTransportOptions } from './transport.js'
import { describeError, warnOnce } from './warn.js'

/** pino's `mixin` signature. */
export type MixinFn = NonNullable<LoggerOptions['mixin']>

/** Fields the trace mixin adds to a log line written while a span is active. */
export interface TraceFields {
  /** 32 lowercase hex characters. */
  trace_id: string
  /** 16 lowercase hex characters: the span that was active when the line was written. */
  span_id: string
  /** Two hex characters, `01` when the trace is sampled. */
  trace_flags: string
}

/** The trace fields of the active span, or undefined outside a (valid) span. */
export function activeTraceFields(): TraceFields | undefined {
  const span = trace.getSpan(context.active())
  if (!span) return undefined
  const ctx = span.spanContext()
  // Cheaper than isSpanContextValid's regexes on this per-line path: spans of the SDK always carry
  // well-formed ids, and the API's non-recording placeholders carry the all-zero ones.
  if (ctx.traceId === INVALID_TRACEID || ctx.spanId === INVALID_SPANID) return undefined
  return {
    trace_id: ctx.traceId,
    span_id: ctx.spanId,
    trace_flags:
      ctx.traceFlags === 1
        ? '01'
        : ctx.traceFlags === 0
          ? '00'
          : ctx.traceFlags.toString(16).padStart(2, '0'),
  }
}

/**
 * A pino `mixin` that adds `trace_id`, `span_id` and `trace_flags` of the active span to each
 * line, and nothing outside a span. Pass the application's own mixin to keep it: its fields are
 * kept, and the trace fields win on a clash.
 *
 * ```ts
 * const logger = pino({ mixin: traceMixin(myMixin) })
 * ```
 */
export function traceMixin(appMixin?: MixinFn): MixinFn {
  // pino's default merge strategy assigns into the object a mixin returns,
  // so each call must return a fresh object, never a shared constant.
  return (mergeObject, level, logger) => {
    const own = appMixin ? appMixin(mergeObject, level, logger) : undefined
    let fields: TraceFields | undefined
    try {
      fields = activeTraceFields()
    } catch {
      fields = undefined
    }
    if (!fields) return own ? { ...own } : {}
    return own ? { ...own, ...fields } : fields
  }
}

type StreamWrite = (line: string) => string

/**
 * The JSON tail (`,"trace_id":…,"trace_flags":"01"}` and the newline) for one span context, kept for
 * the last context seen: the lines of one request are written under the same span, and its context
 * object stays the same, so the ids are formatted once per span rather than once per line.
 */
let lastContext: SpanContext | undefined
let lastTail = ''

function activeTraceTail(): string | undefined {
  const span = trace.getSpan(context.active())
  if (!span) return undefined
  const ctx = span.spanContext()
  if (ctx === lastContext) return lastTail
  if (ctx.traceId === INVALID_TRACEID || ctx.spanId === INVALID_SPANID) return undefined
  const flags =
    ctx.traceFlags === 1 ? '01' : ctx.traceFlags === 0 ? '00' : ctx.traceFlags.toString(16).padStart(2, '0')
  // Ids are hex and flags two hex digits: nothing to escape.
  lastTail = `,"trace_id":"${ctx.traceId}","span_id":"${ctx.spanId}","trace_flags":"${flags}"}\n`
  lastContext = ctx
  return lastTail
}

/**
 * A pino `hooks.streamWrite` that appends `trace_id`, `span_id` and `trace_flags` of the active span to
 * each serialized line (nothing outside a span) — the SDK logger's way of adding trace context.
 * Measured (bench/sdk.ts): pino with a mixin returning three fields is about 1.35–1.55x slower than plain
 * pino, because pino serializes each field on every call; appending one ready-made tail, formatted once
 * per span, costs 1.2x or less. The result is the same JSON as with `traceMixin()` (the trace fields
 * last, so they win a clash with a field of the same name, as with the mixin). Lines that are not a
 * JSON object pass unchanged.
 */
export function traceStreamWrite(next?: StreamWrite): StreamWrite {
  return (line) => {
    const out = next ? next(line) : line
    let tail: string | undefined
    try {
      tail = activeTraceTail()
    } catch {
      return out
    }
    if (!tail || out.charCodeAt(out.length - 1) !== 10 || out.charCodeAt(out.length - 2) !== 125) return out
    return out.slice(0, -2) + tail
  }
}

/** The logging half of the SDK. */
export interface Logging {
  readonly logger: Logger
  /**
   * A logger whose lines reach the collector but not stdout (see stdout.ts), for lines that were
   * printed already (the console's). Undefined when lines are not shipped.
   */
  readonly shipOnly?: Logger
  /**
   * Ends the transport and resolves once its worker thread has pushed every line it received
   * and exited (or the collector timed out). Safe to call twice; never rejects.
   */
  shutdown(): Promise<void>
}

/** Where the worker thread loads the transport from: next to this module in `dist/`. */
export const transportPath = fileURLToPath(new URL('./transport.js', import.meta.url))
const stdoutTargetPath = fileURLToPath(new URL('./stdout.js', import.meta.url))

type TransportStream = NodeJS.WritableStream & {
  on(event: string, listener: (...args: unknown[]) => void): unknown
  once(event: string, listener: (...args: unknown[]) => void): unknown
  closed?: boolean
}

export function createLogging(options: ResolvedOptions): Logging {
  const pinoOptions: LoggerOptions = {
    ...options.logger,
    level: options.logLevel,
    hooks: { ...options.logger.hooks, streamWrite: traceStreamWrite(options.logger.hooks?.streamWrite) },
  }
  const targets: pino.TransportTargetOptions[] = []
  if (options.stdout) targets.push({ target: stdoutTargetPath, options: {}, level: options.logLevel })
  if (options.shipLogs) {
    const loki: LokiTransportOptions = {
      logsEndpoint: options.logsEndpoint,
      serviceName: options.serviceName,
      batchIntervalSeconds: options.logsBatchIntervalSeconds,
      maxBuffer: options.logsMaxBuffer,
      timeoutMillis: options.exportTimeoutMillis,
      ingestToken: options.ingestToken,
    }
    targets.push({ target: transportPath, options: loki, level: options.logLevel })
  }
  if (targets.length === 0) {
    return { logger: pino({ ...pinoOptions, enabled: false }), shutdown: () => Promise.resolve() }
  }

  let stream: TransportStream
  try {
    stream = pino.transport({ targets }) as unknown as TransportStream
  } catch (err) {
    warnOnce('transport', `cannot start the log transport (${describeError(err)}); logging to stdout only`)
    return { logger: pino(pinoOptions), shutdown: () => Promise.resolve() }
  }
  let ended = false
  // An unhandled 'error' on the transport would crash the app (e.g. writing after shutdown).
  stream.on('error', (err) => {
    if (!ended) warnOnce('transport', `log transport failed: ${describeError(err)}`)
  })
  let closed = false
  stream.once('close', () => {
    closed = true
  })
  const logger = pino(pinoOptions, stream as unknown as pino.DestinationStream)
  const shipOnly = options.shipLogs
    ? pino(pinoOptions, stream as unknown as pino.DestinationStream)
    : undefined

  let shuttingDown: Promise<void> | undefined
  return {
    logger,
    shipOnly,
    shutdown() {
      shuttingDown ??= new Promise<void>((resolve) => {
        if (closed) return resolve()
        ended = true
        // The worker pushes what it still holds, bounded by the export timeout; the margin
        // covers thread start-up when shutdown comes right after init.
        const timer = setTimeout(() => {
          warnOnce('logs-timeout', 'the log transport did not close in time; some lines may be lost')
          resolve()
        }, options.exportTimeoutMillis + 5000)
        // Not unref'd: pino's worker is, and an app awaiting shutdown() must not exit before it is done.
        stream.once('close', () => {
          clearTimeout(timer)
          resolve()
        })
        try {
          stream.end()
        } catch (err) {
          warnOnce('transport', `log transport failed: ${describeError(err)}`)
          clearTimeout(timer)
          resolve()
        }
      })
      return shuttingDown
    },
  }
}
