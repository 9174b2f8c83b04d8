import { mainRoot, type SpanTree } from '@skein/model/tree'
import type { ReactNode } from 'react'
import { serviceColor } from '../lib/colors'
import { formatDateTime, formatDurationNs } from '../lib/format'
import { ServiceTag } from './ServiceTag'
import './TraceHeader.css'

export function TraceHeader({
  traceId,
  tree,
  logCount,
  truncated = false,
  actions,
}: {
  traceId: string
  tree: SpanTree
  logCount: number
  truncated?: boolean
  actions?: ReactNode
}) {
  const root = mainRoot(tree)
  const start = new Date(Number(tree.startNs / 1_000_000n))
  const orphans = tree.roots.filter((r) => r.missingParent).length
  return (
    <header className="th" data-testid="trace-header">
      <div className="th-top">
        {root && (
          <span className="th-root-service" style={{ color: serviceColor(root.span.service) }}>
            {root.span.service}
          </span>
        )}
        <h1 data-testid="trace-root-name">{root ? root.span.name : 'Trace'}</h1>
        {tree.errorCount > 0 && (
          <span className="badge badge-error" data-testid="trace-error-count">
            {tree.errorCount} {tree.errorCount === 1 ? 'error' : 'errors'}
          </span>
        )}
        <div className="th-actions">{actions}</div>
      </div>
      <div className="th-stats">
        <span className="th-stat">
          Duration
          <b className="mono" data-testid="trace-duration">
            {formatDurationNs(tree.durationNs)}
          </b>
        </span>
        <span className="th-stat">
          Spans<b data-testid="trace-span-count">{tree.spanCount}</b>
        </span>
        <span className="th-stat">
          Logs<b>{logCount}</b>
        </span>
        <span className="th-stat">
          Started<b className="mono">{formatDateTime(start)}</b>
        </span>
        <span className="th-stat">
          Trace<b className="mono">{traceId}</b>
        </span>
        {truncated && (
          <span className="badge badge-warn" data-testid="trace-truncated">
            Truncated: the trace has more spans than the server returns
          </span>
        )}
        {orphans > 0 && (
          <span
            className="badge badge-warn"
            title="Spans whose parent is not in this trace are shown as roots"
          >
            {orphans} without parent
          </span>
        )}
      </div>
      <div className="th-services" data-testid="trace-services">
        {tree.services.map((s) => (
          <ServiceTag key={s} name={s} />
        ))}
      </div>
    </header>
  )
}
