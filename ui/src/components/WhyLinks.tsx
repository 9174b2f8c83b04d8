import { useState } from 'react'
import { Link } from 'react-router-dom'
import type { OperationLatency, TimeRange } from '../api/types'
import { compareLink } from '../lib/compare'
import { formatDurationMs } from '../lib/format'

/**
 * A service page's way into the comparison: for one of its operations, "what is different about slow
 * requests" (those slower than the operation's p95) and "…about failing requests".
 */
export function WhyLinks({
  service,
  operations,
  range,
}: {
  service: string
  operations: readonly OperationLatency[]
  range: TimeRange
}) {
  const busiest = [...operations].sort((a, b) => b.count - a.count)[0]
  const [name, setName] = useState(busiest?.name ?? '')
  const op = operations.find((o) => o.name === name) ?? busiest
  if (!op) return null
  return (
    <div className="card" data-testid="why-links">
      <div className="card-head">
        <h2>Why?</h2>
        <label className="muted">
          Operation{' '}
          <select
            className="select"
            value={op.name}
            data-testid="why-operation"
            onChange={(e) => setName(e.target.value)}
          >
            {operations.map((o) => (
              <option key={o.name} value={o.name}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="card-body" style={{ display: 'flex', gap: 'var(--space-3)', flexWrap: 'wrap' }}>
        <Link
          className="btn"
          data-testid="why-slow"
          to={compareLink({ service, operation: op.name, minDurationMs: op.p95Ms, range })}
        >
          What's different about slow requests? (over p95, {formatDurationMs(op.p95Ms)})
        </Link>
        <Link
          className="btn"
          data-testid="why-failing"
          to={compareLink({ service, operation: op.name, status: 'error', range })}
        >
          What's different about failing requests?
        </Link>
      </div>
    </div>
  )
}
