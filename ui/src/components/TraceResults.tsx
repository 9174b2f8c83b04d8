import { Link } from 'react-router-dom'
import type { TraceSummary } from '../api/types'
import { serviceColor } from '../lib/colors'
import { dateFromNs, formatClock, formatDurationMs, formatRelative, shortId } from '../lib/format'
import { ServiceTag } from './ServiceTag'
import './TraceResults.css'

/**
 * Search results; duration bars share one scale (the slowest trace listed) so rows compare at a glance.
 * With `onPick`, each row has a box to pick it (two picked traces can be diffed).
 */
export function TraceResults({
  traces,
  now = new Date(),
  picked = [],
  onPick,
}: {
  traces: TraceSummary[]
  now?: Date
  picked?: readonly string[]
  onPick?: (traceId: string) => void
}) {
  const max = Math.max(0, ...traces.map((t) => t.durationMs || 0))
  return (
    <div className="tr-list" data-testid="trace-results">
      {traces.map((t) => {
        const start = dateFromNs(t.startNs, t.start)
        const width = max > 0 ? Math.max(0.5, (t.durationMs / max) * 100) : 0
        return (
          <Link
            key={t.traceId}
            to={`/traces/${t.traceId}`}
            className={`tr-row ${t.errorCount > 0 ? 'has-error' : ''}`}
            data-testid="trace-row"
            data-trace-id={t.traceId}
          >
            {onPick && (
              <input
                type="checkbox"
                className="tr-pick"
                aria-label="Pick this trace to diff it with another"
                data-testid="trace-pick"
                checked={picked.includes(t.traceId)}
                readOnly
                onClick={(e) => {
                  // The row is a link: picking must not open the trace.
                  e.preventDefault()
                  e.stopPropagation()
                  onPick(t.traceId)
                }}
              />
            )}
            <div className="tr-main">
              <div className="tr-title">
                <span className="tr-root-service" style={{ color: serviceColor(t.rootService) }}>
                  {t.rootService}
                </span>
                <span className="tr-op">{t.rootName}</span>
                {t.errorCount > 0 && (
                  <span className="badge badge-error" data-testid="trace-row-errors">
                    {t.errorCount} {t.errorCount === 1 ? 'error' : 'errors'}
                  </span>
                )}
              </div>
              <div className="tr-sub">
                <span className="mono">{shortId(t.traceId, 12)}</span>
                {t.services.map((s) => (
                  <ServiceTag key={s} name={s} />
                ))}
              </div>
            </div>
            <div className="tr-dur">
              <span className="tr-dur-text">{formatDurationMs(t.durationMs)}</span>
              <div className="tr-dur-track">
                <div className="tr-dur-bar" style={{ width: `${width}%` }} />
              </div>
            </div>
            <div className="tr-spans">
              <span data-testid="trace-row-spans">{t.spanCount}</span> {t.spanCount === 1 ? 'span' : 'spans'}
            </div>
            <div className="tr-time" title={start.toISOString()}>
              {formatRelative(start, now)}
              <span className="mono">{formatClock(start)}</span>
            </div>
          </Link>
        )
      })}
    </div>
  )
}
