export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'unknown'

export const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']

/** OpenTelemetry severity numbers come in bands of four (1-4 TRACE ... 21-24 FATAL); text is the fallback. */
export function levelOf(severityNumber: number | undefined, severityText?: string): Level {
  if (severityNumber && severityNumber > 0) {
    const band = Math.min(5, Math.floor((severityNumber - 1) / 4))
    return LEVELS[band]
  }
  const t = (severityText ?? '').toLowerCase()
  if (t.startsWith('trace')) return 'trace'
  if (t.startsWith('debug')) return 'debug'
  if (t.startsWith('info') || t === 'notice') return 'info'
  if (t.startsWith('warn')) return 'warn'
  if (t.startsWith('err')) return 'error'
  if (t.startsWith('fatal') || t === 'critical' || t === 'crit' || t === 'emerg' || t === 'alert')
    return 'fatal'
  return 'unknown'
}
