import type { Tracer, TracerProvider } from '@opentelemetry/api'
import { trace } from '@opentelemetry/api'
import type { Logger } from 'pino'
import pino from 'pino'
import { captureConsole } from './console.js'
import { captureCrashes } from './crash.js'
import type { Logging } from './logger.js'
import { createLogging, traceMixin } from './logger.js'
import type { ResolvedOptions, SkeinOptions } from './options.js'
import { resolveOptions } from './options.js'
import type { Tracing } from './tracing.js'
import { startTracing } from './tracing.js'
import { describeError, warnOnce } from './warn.js'

/**
 * A running SDK instance, returned by {@link init}.
 *
 * Lifecycle: `init()` starts tracing and logging at once; both run until `shutdown()`,
 * which flushes every span and log line and then stops. After `shutdown()` the logger
 * no longer ships lines and spans are no longer recorded; `init()` may be called again.
 * No method throws or rejects: failures become one `[skein]` warning on stderr.
 */
export interface Skein {
  /** pino logger: stdout plus the collector; lines written inside a span carry its trace fields. */
  readonly logger: Logger
  /** The global tracer provider the instrumentations record into. */
  readonly tracerProvider: TracerProvider
  /** A tracer named after the service, for manual spans. */
  readonly tracer: Tracer
  /** The options in effect, after defaults and environment variables. */
  readonly options: ResolvedOptions
  /** Short names of the instrumentations running (enabled, and their module installed), e.g. `http`, `express`, `pg`. */
  readonly instrumentations: readonly string[]
  /** Exports the spans ended so far. Log lines are pushed every `logsBatchIntervalSeconds`. */
  forceFlush(): Promise<void>
  /**
   * Delivers every span ended and every line logged so far, then stops tracing and the log
   * transport. Resolves when the collector has acknowledged them or the export timeout passed.
   * Safe to call twice (the second call returns the same promise).
   */
  shutdown(): Promise<void>
}

let running: Skein | undefined
let fallbackLogger: Logger | undefined

function startTracingSafely(options: ResolvedOptions): Tracing | undefined {
  try {
    return startTracing(options)
  } catch (err) {
    warnOnce('init-tracing', `tracing is off: ${describeError(err)}`)
    return undefined
  }
}

function startLoggingSafely(options: ResolvedOptions): Logging {
  try {
    return createLogging(options)
  } catch (err) {
    warnOnce('init-logging', `logs are written to stdout only: ${describeError(err)}`)
    return {
      logger: pino({ level: options.logLevel, mixin: traceMixin() }),
      shutdown: () => Promise.resolve(),
    }
  }
}

/**
 * Starts the SDK: traces (OTLP gRPC to `endpoint`) and logs (stdout and Loki push to `logsEndpoint`).
 * Call it before the application loads `http` or `@grpc/grpc-js`, or run the app with
 * `node --import @skein/sdk/register`. Calling it again while an instance runs returns that instance.
 */
export function init(options: SkeinOptions = {}): Skein {
  if (running) {
    warnOnce('init-twice', 'init() called while Skein is already running; returning the running instance')
    return running
  }
  const resolved = resolveOptions(options)
  for (const warning of resolved.warnings) warnOnce(`option:${warning}`, warning)
  const tracing = startTracingSafely(resolved)
  const logging = startLoggingSafely(resolved)
  const tracerProvider = tracing?.tracerProvider ?? trace.getTracerProvider()

  const restoreConsole =
    resolved.captureConsole && logging.shipOnly ? captureConsole(logging.shipOnly) : () => undefined

  let shuttingDown: Promise<void> | undefined
  const instance: Skein = {
    logger: logging.logger,
    tracerProvider,
    tracer: tracerProvider.getTracer(resolved.serviceName),
    options: resolved,
    instrumentations: tracing?.instrumentations ?? [],
    forceFlush: () => tracing?.forceFlush() ?? Promise.resolve(),
    shutdown() {
      shuttingDown ??= (async () => {
        restoreConsole()
        removeCrashHandler()
        // Spans first: closing the log transport blocks this thread until its worker is done,
        // which would stall a span export running on this thread.
        await tracing?.shutdown()
        await logging.shutdown()
        if (running === instance) running = undefined
      })().catch((err) => {
        warnOnce('shutdown', `shutdown failed: ${describeError(err)}`)
      })
      return shuttingDown
    },
  }
  const removeCrashHandler = resolved.captureCrashes
    ? captureCrashes({
        logger: logging.logger,
        openSpans: tracing?.openSpans,
        flush: () => instance.shutdown(),
      })
    : () => undefined
  running = instance
  // An app that ends by running out of work, without calling shutdown(), still delivers its spans.
  process.once('beforeExit', () => {
    void instance.shutdown()
  })
  return instance
}

/** The running instance, if `init()` (or `--import @skein/sdk/register`) started one. */
export function getSkein(): Skein | undefined {
  return running
}

/**
 * The running instance's logger. Before `init()` (or after `shutdown()`) it returns a stdout-only
 * pino logger with the trace mixin, so code that logs early still works.
 */
export function getLogger(): Logger {
  if (running) return running.logger
  fallbackLogger ??= pino({ level: process.env.LOG_LEVEL ?? 'info', mixin: traceMixin() })
  return fallbackLogger
}
