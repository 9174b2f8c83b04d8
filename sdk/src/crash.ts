/**
 * Crashes: an uncaught exception (or an unhandled rejection, which Node turns into one) is logged
 * with its stack and the active trace ids, the spans still open are ended with the error (so the
 * request that crashed shows up, failed, instead of vanishing), everything is flushed, and then
 * the process fails exactly as Node would have failed without the SDK: the error is thrown again
 * with no handler of ours left, so Node prints it and exits with code 1.
 *
 * If the application has an `uncaughtException` handler of its own, Node would not exit: the SDK
 * then only logs (at `error`) and leaves the process and its spans alone.
 */
import { context, SpanStatusCode, trace } from '@opentelemetry/api'
import { getRPCMetadata, RPCType } from '@opentelemetry/core'
import type { Logger } from 'pino'
import type { OpenSpans } from './processors.js'

/** How long a crashing process waits for its spans and logs to be delivered before it dies. */
export const CRASH_FLUSH_MS = 3000

export interface CrashDeps {
  logger: Logger
  openSpans?: OpenSpans
  /** Delivers every span and log line so far (the SDK's shutdown). */
  flush(): Promise<void>
  flushTimeoutMs?: number
}

/**
 * The HTTP instrumentation names a server span after its route only when the response finishes,
 * which a crashed request never does: name the active request's span now, from the route the
 * framework recorded in the context.
 */
function nameCrashedRequest(): void {
  const rpc = getRPCMetadata(context.active())
  if (rpc?.type !== RPCType.HTTP || !rpc.route) return
  const attributes = (rpc.span as unknown as { attributes?: Record<string, unknown> }).attributes ?? {}
  const method = attributes['http.request.method'] ?? attributes['http.method']
  rpc.span.setAttribute('http.route', rpc.route)
  if (typeof method === 'string') rpc.span.updateName(`${method} ${rpc.route}`)
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Installs the handler; returns a function that removes it. */
export function captureCrashes(deps: CrashDeps): () => void {
  let crashing = false
  const onCrash = (err: unknown, origin: NodeJS.UncaughtExceptionOrigin): void => {
    const fatal = process.listenerCount('uncaughtException') === 1
    if (crashing) return // a second error while flushing the first: we are already going down
    const what = origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception'
    try {
      const error = err instanceof Error ? err : new Error(String(err))
      deps.logger[fatal ? 'fatal' : 'error'](
        { err: error, 'exception.origin': origin },
        `${what}: ${message(err)}`,
      )
      if (fatal) {
        trace.getSpan(context.active())?.recordException(error)
        nameCrashedRequest()
        for (const span of deps.openSpans?.list().reverse() ?? []) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: `process crashed: ${what}: ${message(err)}` })
          span.end()
        }
      }
    } catch {
      // logging the crash must not add a second one
    }
    if (!fatal) return
    crashing = true
    let timer: NodeJS.Timeout | undefined
    const bounded = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deps.flushTimeoutMs ?? CRASH_FLUSH_MS)
    })
    Promise.race([deps.flush().catch(() => undefined), bounded]).then(() => {
      clearTimeout(timer)
      process.removeListener('uncaughtException', onCrash)
      // Thrown from a fresh macrotask with no handler left: Node's own report and exit code.
      setImmediate(() => {
        throw err
      })
    })
  }
  process.on('uncaughtException', onCrash)
  return () => {
    process.removeListener('uncaughtException', onCrash)
  }
}
