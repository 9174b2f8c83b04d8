import { mainRoot, type RowSpan, type SpanTree } from '@skein/model/tree'
import type { ReactNode } from 'react'
import { serviceColor } from '../lib/colors'
import type { NPlusOne } from '../lib/fold'
import { formatDateTime, formatDurationNs } from '../lib/format'
import { ServiceTag } from './ServiceTag'
import './TraceHeader.css'

export function TraceHeader({
  traceId,
  tree,
  logCount,
  truncated = false,
  actions,
  nPlusOne = [],
  onShowNPlusOne,
  note,
}: {
  traceId: string
  tree: SpanTree<RowSpan>
  logCount: number
  truncated?: boolean
  actions?: ReactNode
  /** N+1 patterns found in the trace (fold.ts), costliest first. */
  nPlusOne?: readonly NPlusOne[]
  onShowNPlusOne?: (found: NPlusOne) => void
  /** A remark on how the trace is shown (the compact form). */
  note?: ReactNode
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
        {nPlusOne.length > 0 && <NPlusOneBadge found={nPlusOne} onShow={onShowNPlusOne} />}
        {note}
      </div>
      <div className="th-services" data-testid="trace-services">
        {tree.services.map((s) => (
          <ServiceTag key={s} name={s} />
        ))}
      </div>
    </header>
  )
}

/** The costliest N+1 pattern, with a way to go to its row, and how many more there are. */
function NPlusOneBadge({
  found,
  onShow,
}: {
  found: readonly NPlusOne[]
  onShow?: (found: NPlusOne) => void
}) {
  const top = found[0]
  const under = top.parent ? `${top.parent.span.service}: ${top.parent.span.name}` : 'the trace root'
  return (
    <span
      className="badge badge-warn th-nplus1"
      data-testid="trace-n-plus-one"
      title={`${top.stats.count} calls of ${top.service}: ${top.name} under ${under}${top.stats.sequential ? ', one after another' : ''}. Repeated calls of one operation are often one query per item where one query for all would do.`}
    >
      <b>N+1</b> × {top.stats.count.toLocaleString('en')} <span className="th-nplus1-op">{top.name}</span> —{' '}
      {formatDurationNs(top.stats.totalNs)}
      {top.stats.sequential ? ', one after another' : ''}
      {found.length > 1 && ` (+${found.length - 1} more)`}
      {onShow && (
        <button
          type="button"
          className="th-nplus1-go"
          data-testid="trace-n-plus-one-show"
          onClick={() => onShow(top)}
        >
          Show
        </button>
      )}
    </span>
  )
}
