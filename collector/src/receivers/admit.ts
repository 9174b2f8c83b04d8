/**
 * What every receiver does between decoding a request and handing its rows on: count what came in and
 * what was rejected, and turn away rows the retention would delete at once (see `rejectExpired`) and rows
 * too far in the future (see `rejectFuture`).
 */
import type { Config } from '../config.js'
import { futureCutoffNs, rejectExpired, rejectFuture, retentionCutoffNs } from '../decode/index.js'
import type { Metrics } from '../metrics.js'
import type { Decoded } from '../rows.js'
import { formatDuration } from '../units.js'

export function admit<R extends [string, ...unknown[]]>(
  decoded: Decoded<R>,
  signal: 'spans' | 'logs',
  deps: { config: Config; metrics: Metrics },
): Decoded<R> & { expired: number; future: number } {
  const { config, metrics } = deps
  metrics.receivedItems(signal, decoded.rows.length + decoded.rejected)
  if (decoded.rejected > 0) metrics.rejected(signal, 'invalid', decoded.rejected)
  const now = Date.now()
  const kept = rejectExpired(decoded, retentionCutoffNs(config.retentionDays, now), config.retentionDays)
  if (kept.expired > 0) metrics.rejected(signal, 'expired', kept.expired)
  const near = rejectFuture(kept, futureCutoffNs(config.maxFutureMs, now), formatDuration(config.maxFutureMs))
  if (near.future > 0) metrics.rejected(signal, 'future', near.future)
  return { ...near, expired: kept.expired }
}
