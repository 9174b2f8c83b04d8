/** The collector's own log: one line per event on stderr, filtered by --log-level. */
import type { Config } from './config.js'

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void

const ORDER = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export function createLog(level: Config['logLevel']): LogFn {
  const min = ORDER[level]
  return (l, msg) => {
    if (ORDER[l] < min) return
    process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${msg}\n`)
  }
}
