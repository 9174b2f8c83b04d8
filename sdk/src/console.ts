/**
 * Console capture: `console.log/info/warn/error/debug` keep printing exactly as before, and each
 * line is also logged through the SDK's transport to the collector, with the active trace context,
 * a level, and `log.iostream` (stdout or stderr, where the console wrote it). Many services (and
 * the libraries they use) write to the console rather than to a logger; their lines belong next to
 * the request's spans too.
 */
import { format } from 'node:util'
import type { Level, Logger } from 'pino'

type Method = 'log' | 'info' | 'warn' | 'error' | 'debug'

const METHODS: ReadonlyArray<readonly [Method, Level, 'stdout' | 'stderr']> = [
  ['log', 'info', 'stdout'],
  ['info', 'info', 'stdout'],
  ['debug', 'debug', 'stdout'],
  ['warn', 'warn', 'stderr'],
  ['error', 'error', 'stderr'],
]

/**
 * Wraps the console methods; returns a function that puts back the originals (unless someone
 * wrapped them again since, in which case their wrapper stays and ours stops shipping).
 */
export function captureConsole(logger: Logger): () => void {
  let active = true
  // A line logged while shipping one (a warning of the SDK itself, say) only prints.
  let inside = false
  const restores: Array<() => void> = []
  for (const [method, level, stream] of METHODS) {
    const original = console[method]
    const wrapper = function (this: Console, ...args: unknown[]): void {
      original.apply(this, args)
      if (!active || inside) return
      inside = true
      try {
        if (logger.isLevelEnabled(level)) logger[level]({ 'log.iostream': stream }, format(...args))
      } catch {
        // the console must keep working whatever happens to shipping
      } finally {
        inside = false
      }
    }
    console[method] = wrapper
    restores.push(() => {
      if (console[method] === wrapper) console[method] = original
    })
  }
  return () => {
    active = false
    for (const restore of restores) restore()
  }
}
