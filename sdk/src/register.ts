/**
 * `node --import @skein/sdk/register app.js`: instruments an application with no code change,
 * configured from the environment (`OTEL_SERVICE_NAME`, `OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `SKEIN_LOGS_ENDPOINT`, `OTEL_TRACES_SAMPLER`...). `getLogger()` returns the logger it started.
 *
 * It first registers import-in-the-middle's loader hook, so ES modules the app imports later
 * (`node:http`, `@grpc/grpc-js`) can be patched; CommonJS ones are patched through `require`.
 */
import { register } from 'node:module'
import { isMainThread } from 'node:worker_threads'
import { describeError, warnOnce } from './warn.js'

// Worker threads inherit `--import`: pino's own transport worker among them. Starting the SDK
// there would trace the log pushes and start a transport per worker.
if (isMainThread) {
  try {
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url)
  } catch (err) {
    warnOnce('register-hook', `ES modules will not be instrumented: ${describeError(err)}`)
  }
  try {
    // Loaded only after the hook is in place, and never in worker threads.
    const { init } = await import('./init.js')
    const skein = init()
    // Deliver what is buffered when the app is stopped by a signal. When the app handles the
    // signal itself, it decides when to exit; otherwise re-raise it once flushed, as Node would have.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        const appHandles = process.listenerCount(signal) > 0
        void skein.shutdown().then(() => {
          if (!appHandles) process.kill(process.pid, signal)
        })
      })
    }
  } catch (err) {
    warnOnce('register', `Skein did not start: ${describeError(err)}`)
  }
}
