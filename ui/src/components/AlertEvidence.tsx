import { Link } from 'react-router-dom'
import type { AlertEvidence as Evidence } from '../api/types'
import { formatDurationMs, formatPercent, shortId } from '../lib/format'

/** The path and query of the evidence's compare link (its host is the public URL, maybe not this one). */
function comparePath(url: string): string | undefined {
  try {
    return `/compare${new URL(url).search}`
  } catch {
    return undefined
  }
}

/**
 * What a firing notification carried, in the alert history: example traces (opened here, not through
 * the public URL), the top error messages, the top attributes and log patterns. Text only.
 */
export function AlertEvidence({ evidence }: { evidence: Evidence }) {
  const compare = comparePath(evidence.compareUrl)
  return (
    <div className="alert-evidence" data-testid="alert-evidence">
      {evidence.exampleTraces.length > 0 && (
        <div>
          Examples:{' '}
          {evidence.exampleTraces.map((t) => (
            <Link
              key={t.traceId}
              to={`/traces/${t.traceId}`}
              className="mono"
              data-testid="alert-evidence-trace"
              title={t.statusMessage}
              style={{ marginRight: 8 }}
            >
              {shortId(t.traceId, 10)} ({formatDurationMs(t.durationMs)})
            </Link>
          ))}
        </div>
      )}
      {evidence.topErrors.length > 0 && (
        <div data-testid="alert-evidence-errors">
          Errors: {evidence.topErrors.map((e) => `${e.message} ×${e.count}`).join(' · ')}
        </div>
      )}
      {evidence.attributes.length > 0 && (
        <div data-testid="alert-evidence-attributes">
          Most different:{' '}
          {evidence.attributes
            .map(
              (a) =>
                `${a.key}=${a.value} (${formatPercent(a.selectionShare)} vs ${formatPercent(a.baselineShare)})`,
            )
            .join(' · ')}
        </div>
      )}
      {evidence.logs.length > 0 && <div>Log patterns: {evidence.logs.map((l) => l.pattern).join(' · ')}</div>}
      {compare && (
        <Link to={compare} data-testid="alert-evidence-compare">
          Whole comparison
        </Link>
      )}
    </div>
  )
}
