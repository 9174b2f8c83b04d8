import { parseNs, type RowSpan, type SpanNode, type SpanTree } from '@skein/model/tree'
import { Link } from 'react-router-dom'
import type { Span } from '../api/types'
import { serviceColor } from '../lib/colors'
import { formatDateTime, formatDurationNs, formatOffsetNs, valueText } from '../lib/format'
import { KeyValueTable } from './KeyValueTable'
import './SpanDetail.css'

function statusBadge(node: SpanNode<RowSpan>) {
  const code = node.span.statusCode || 'Unset'
  const cls = node.isError ? 'badge badge-error' : code.toLowerCase() === 'ok' ? 'badge badge-ok' : 'badge'
  return <span className={cls}>{code}</span>
}

/**
 * Everything about one span, as text: status, timing, attributes, resource, events and links. The row's
 * node says where the span sits; `span` is the whole span (the node's own when the trace came whole; fetched
 * when it came in compact form, and absent while `loading`).
 */
export function SpanDetail({
  node,
  span,
  tree,
  logCount,
  onClose,
  loading = false,
  error,
}: {
  node: SpanNode<RowSpan>
  span?: Span
  tree: SpanTree<RowSpan>
  logCount: number
  onClose: () => void
  loading?: boolean
  /** Why the whole span could not be had. */
  error?: string
}) {
  const s: RowSpan & Partial<Span> = span ?? node.span
  const events = [...(s.events ?? [])].sort((a, b) => {
    const x = parseNs(a.timestampNs)
    const y = parseNs(b.timestampNs)
    return x < y ? -1 : x > y ? 1 : 0
  })
  const rawStart = parseNs(s.startNs)
  return (
    <section className="sd" data-testid="span-detail" aria-label="Span detail">
      <div className="sd-head">
        <div className="sd-title">
          <span
            className="muted"
            style={{ color: serviceColor(s.service), fontWeight: 600 }}
            data-testid="span-detail-service"
          >
            {s.service}
          </span>
          <h2 data-testid="span-detail-name">{s.name}</h2>
        </div>
        <button type="button" className="btn btn-sm" onClick={onClose} aria-label="Close span detail">
          ✕
        </button>
      </div>
      <div className="sd-meta">
        <span>
          Duration <b className="mono">{formatDurationNs(node.durationNs)}</b>
        </span>
        <span>
          Start <b className="mono">{formatOffsetNs(node.startNs)}</b>
        </span>
        <span>
          Kind <b>{s.kind || '—'}</b>
        </span>
        <span>Status {statusBadge(node)}</span>
        <span>
          Logs <b>{logCount}</b>
        </span>
        {s.scope?.name && (
          <span>
            Scope{' '}
            <b className="mono">
              {s.scope.name}
              {s.scope.version ? `@${s.scope.version}` : ''}
            </b>
          </span>
        )}
        <span>
          Span <b className="mono">{s.spanId}</b>
        </span>
        {s.parentSpanId && (
          <span>
            Parent <b className="mono">{s.parentSpanId}</b>
          </span>
        )}
      </div>
      <div className="sd-body">
        {loading && (
          <div className="sd-note" data-testid="span-detail-loading">
            Loading its attributes, events and log lines…
          </div>
        )}
        {error && (
          <div className="sd-note" data-testid="span-detail-error">
            {error}
          </div>
        )}
        {s.statusMessage && <div className="sd-status-msg">{s.statusMessage}</div>}
        {node.missingParent && (
          <div className="sd-note">
            Its parent span is not in this trace (not received yet, dropped, or sampled out), so it is shown
            as a root.
          </div>
        )}
        {node.skewNs !== 0 && (
          <div className="sd-note">
            Clock skew: drawn {formatDurationNs(Math.abs(node.skewNs))}{' '}
            {node.skewNs > 0 ? 'later' : 'earlier'} than its host recorded, to fit inside its parent. Recorded
            start: <span className="mono">{formatDateTime(new Date(Number(rawStart / 1_000_000n)))}</span>
          </div>
        )}
        <div className="sd-section">
          <h3>Attributes</h3>
          <KeyValueTable data={s.attributes} empty="No attributes" testId="span-attributes" />
        </div>
        <div className="sd-section">
          <h3>Events ({events.length})</h3>
          {events.length === 0 && <div className="kv-empty">No events</div>}
          {events.map((ev, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: events have no id; the list is fixed per span
            <div className="sd-event" key={`${ev.timestampNs}-${i}`}>
              <div className="sd-event-head">
                <span className="mono muted">
                  {formatOffsetNs(Number(parseNs(ev.timestampNs) - tree.startNs) + node.skewNs)}
                </span>
                <span className="sd-event-name">{ev.name}</span>
              </div>
              <KeyValueTable data={ev.attributes} empty="" />
            </div>
          ))}
        </div>
        <div className="sd-section">
          <h3>Links ({s.links?.length ?? 0})</h3>
          {(s.links?.length ?? 0) === 0 && <div className="kv-empty">No links</div>}
          {s.links?.map((l, i) => {
            const tid = valueText(l.traceId)
            const sid = valueText(l.spanId)
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: links have no id; the list is fixed per span
              <div className="sd-event" key={`${tid}-${sid}-${i}`}>
                <div className="sd-event-head">
                  {/^[0-9a-f]{32}$/.test(tid) ? (
                    <Link
                      className="mono"
                      to={`/traces/${tid}${sid ? `?span=${encodeURIComponent(sid)}` : ''}`}
                    >
                      {tid}
                    </Link>
                  ) : (
                    <span className="mono">{tid || '—'}</span>
                  )}
                  <span className="mono muted">{sid}</span>
                </div>
                <KeyValueTable data={l.attributes} empty="" />
              </div>
            )
          })}
        </div>
        <div className="sd-section">
          <h3>Resource</h3>
          <KeyValueTable data={s.resource} empty="No resource attributes" />
        </div>
      </div>
    </section>
  )
}
