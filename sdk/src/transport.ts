/**
 * The pino transport that ships log lines to the collector. It runs in pino's worker thread,
 * never in the application's thread: pino-loki batches and formats the Loki push; this wrapper
 * adds what Skein needs on top of it:
 *
 * - closing waits for every push still in flight, not only for the last batch, so that
 *   `shutdown()` in the application delivers every line (pino-loki fires interval pushes
 *   without awaiting them);
 * - one warning per outage instead of one error per failed push.
 *
 * This module is loaded by path (`pino.transport({ target })`), so it must stay
 * self-contained: no imports from the rest of the SDK, which would load OpenTelemetry into the worker.
 */
import type { Transform } from 'node:stream'
import { pinoLoki } from 'pino-loki'

/** Options handed from the logger (main thread) to this transport (worker thread). */
export interface LokiTransportOptions {
  /** The collector's ingest base URL, without trailing slash. */
  logsEndpoint: string
  serviceName: string
  batchIntervalSeconds: number
  maxBuffer: number
  timeoutMillis: number
  /** Bearer token for the collector's ingest port, if it requires one. */
  ingestToken?: string
}

export default function skeinLokiTransport(options: LokiTransportOptions): Transform {
  const url = `${options.logsEndpoint}/loki/api/v1/push`
  const inFlight = new Set<Promise<unknown>>()
  let warned = false
  const warn = (reason: string): void => {
    if (warned) return
    warned = true
    process.stderr.write(`[skein] cannot push logs to ${url} (${reason}); dropping them until it answers\n`)
  }

  // pino-loki calls the global fetch; this worker thread runs nothing else, so wrapping it here
  // is how every push, including the interval ones pino-loki does not await, can be tracked.
  const baseFetch = globalThis.fetch
  globalThis.fetch = (input, init) => {
    const pushed = baseFetch(input, init).then(
      (res) => {
        if (res.ok) warned = false
        else warn(`HTTP ${res.status}`)
        return res
      },
      (err: unknown) => {
        const cause = (err as { cause?: { code?: string } }).cause?.code
        warn(cause ?? (err instanceof Error ? err.message : String(err)))
        throw err
      },
    )
    inFlight.add(pushed)
    pushed.then(
      () => inFlight.delete(pushed),
      () => inFlight.delete(pushed),
    )
    return pushed
  }

  const stream = pinoLoki({
    host: options.logsEndpoint,
    endpoint: url,
    labels: { service_name: options.serviceName },
    batching: { interval: options.batchIntervalSeconds, maxBufferSize: options.maxBuffer },
    timeout: options.timeoutMillis,
    headers: options.ingestToken ? { authorization: `Bearer ${options.ingestToken}` } : undefined,
    silenceErrors: true,
    structuredMetaKey: false,
  }) as Transform & { _destroy: (err: Error | null, cb: (err?: Error | null) => void) => void }

  const closeLoki = stream._destroy
  stream._destroy = (err, cb) => {
    closeLoki.call(stream, err, (closeErr) => {
      Promise.allSettled([...inFlight]).then(() => cb(closeErr ?? err))
    })
  }
  return stream
}
