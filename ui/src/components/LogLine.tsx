import { logPattern } from '@skein/model/patterns'
import { Link } from 'react-router-dom'
import type { LogRecord } from '../api/types'
import { serviceColor } from '../lib/colors'
import { dateFromNs, formatDateTime, shortId } from '../lib/format'
import { levelOf } from '../lib/levels'
import { KeyValueTable } from './KeyValueTable'
import { LevelBadge } from './LevelBadge'
import './LogLine.css'

const TRACE_ID = /^[0-9a-f]{32}$/

function traceHref(log: LogRecord): string {
  return `/traces/${log.traceId}${log.spanId ? `?span=${encodeURIComponent(log.spanId)}` : ''}`
}

/**
 * One log line; opens to show its attributes and ids. The trace id links to the trace view, with the span
 * that wrote the line selected when it names one. `onPattern` gets the line's pattern ("lines like this").
 */
export function LogLine({
  log,
  open,
  onToggle,
  onPattern,
}: {
  log: LogRecord
  open: boolean
  onToggle: () => void
  onPattern?: (pattern: string) => void
}) {
  const at = dateFromNs(log.timestampNs, log.timestamp)
  const ms = String(at.getMilliseconds()).padStart(3, '0')
  const hasTrace = TRACE_ID.test(log.traceId ?? '')
  return (
    <div className={`ll ${open ? 'is-open' : ''}`} data-testid="log-line">
      <button type="button" className="ll-row" aria-expanded={open} onClick={onToggle}>
        <span className="ll-chev">{open ? '▼' : '▶'}</span>
        <span className="ll-time">
          {formatDateTime(at)}.{ms}
        </span>
        <LevelBadge level={levelOf(log.severityNumber, log.severityText)} text={log.severityText} />
        <span className="ll-service" style={{ color: serviceColor(log.service) }}>
          {log.service}
        </span>
        <span className="ll-body">{log.body}</span>
        <span className="ll-trace">
          {hasTrace ? (
            <Link to={traceHref(log)} onClick={(e) => e.stopPropagation()} data-testid="log-trace-link">
              {shortId(log.traceId)}
            </Link>
          ) : (
            <span className="muted">—</span>
          )}
        </span>
      </button>
      {open && (
        <div className="ll-detail">
          <div className="ll-ids">
            <span>
              Severity <b>{log.severityText || '—'}</b> ({log.severityNumber || 0})
            </span>
            <span>
              Trace{' '}
              {hasTrace ? (
                <Link className="mono" to={traceHref(log)}>
                  {log.traceId}
                </Link>
              ) : (
                <span className="mono">—</span>
              )}
            </span>
            <span>
              Span{' '}
              {hasTrace && log.spanId ? (
                <Link className="mono" to={traceHref(log)} data-testid="log-span-link">
                  {log.spanId}
                </Link>
              ) : (
                <span className="mono">{log.spanId || '—'}</span>
              )}
            </span>
            {onPattern && (
              <button
                type="button"
                className="btn btn-sm"
                data-testid="log-similar"
                title="Filter to the lines of this line's pattern"
                onClick={() => onPattern(logPattern(log.body))}
              >
                Lines like this
              </button>
            )}
          </div>
          <KeyValueTable data={log.attributes} empty="No attributes" />
        </div>
      )}
    </div>
  )
}
