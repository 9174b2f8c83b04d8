const warned = new Set<string>()

/**
 * Writes one `[skein]` warning per key for the life of the process, so an outage
 * that fails every export does not flood the application's stderr.
 * Returns whether the warning was written.
 */
export function warnOnce(key: string, message: string): boolean {
  if (warned.has(key)) return false
  warned.add(key)
  try {
    console.warn(`[skein] ${message}`)
  } catch {
    // stderr closed: nothing sensible left to do, and the SDK must not throw
  }
  return true
}

/** Lets a warning be written again, e.g. once a collector that was down answers. */
export function rearmWarning(key: string): void {
  warned.delete(key)
}

/** A short, single-line description of an unknown error value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message
  }
  return String(err)
}
