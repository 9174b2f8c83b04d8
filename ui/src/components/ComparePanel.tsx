import { Link } from 'react-router-dom'
import { api, type CompareParams } from '../api/client'
import type { CompareAnswer } from '../api/types'
import { useApi } from '../hooks/useApi'
import { attributeLink, barWidth, operationLink, patternLink } from '../lib/compare'
import { formatCount, formatDurationMs, formatPercent } from '../lib/format'
import { Empty, ErrorState, Loading } from './States'
import './ComparePanel.css'

/**
 * What sets a selection of a service's requests apart (/compare): attributes as bars (selection against
 * baseline share), operations with both durations, log patterns with both counts. Every row links to the
 * search (or the log lines) it stands for. Telemetry is shown as text only.
 */
export function ComparePanel({ selection, title }: { selection: CompareParams; title?: string }) {
  const key = JSON.stringify(selection)
  const q = useApi((signal) => api.compare({ limit: 8, ...selection }, signal), [key])
  return (
    <section className="card compare-panel" data-testid="compare-panel" aria-label="Comparison">
      <div className="card-head">
        <h2>{title ?? 'What is different about these requests?'}</h2>
        {q.data && <CompareSides c={q.data} />}
      </div>
      {q.error ? (
        <ErrorState error={q.error} title="Comparison failed" onRetry={q.reload} />
      ) : !q.data ? (
        <Loading label="Comparing…" />
      ) : q.data.selection.count === 0 ? (
        <Empty title="No requests in the selection">Pick another band or widen the time range.</Empty>
      ) : (
        <CompareLists c={q.data} selection={selection} />
      )}
    </section>
  )
}

function CompareSides({ c }: { c: CompareAnswer }) {
  return (
    <span className="muted compare-sides" data-testid="compare-sides">
      {formatCount(c.selection.count)} selected (p50 {formatDurationMs(c.selection.p50Ms)}, errors{' '}
      {formatPercent(c.selection.errorRate)}) vs {formatCount(c.baseline.count)} others (p50{' '}
      {formatDurationMs(c.baseline.p50Ms)}, errors {formatPercent(c.baseline.errorRate)})
      {c.sample.sampled && ` · sampled: ${c.sample.traces.selection} + ${c.sample.traces.baseline} traces`}
    </span>
  )
}

function Bars({ selection, baseline }: { selection: number; baseline: number }) {
  return (
    <div className="cmp-bars" aria-hidden="true">
      <div className="cmp-bar cmp-bar-sel" style={{ width: `${barWidth(selection)}%` }} />
      <div className="cmp-bar cmp-bar-base" style={{ width: `${barWidth(baseline)}%` }} />
    </div>
  )
}

function CompareLists({ c, selection }: { c: CompareAnswer; selection: CompareParams }) {
  const { range, service } = selection
  return (
    <div className="cmp-lists">
      <div className="cmp-list" data-testid="compare-attributes">
        <h3>Attributes</h3>
        {c.attributes.length === 0 && <div className="muted">None stands out.</div>}
        {c.attributes.map((a) => (
          <Link
            key={`${a.scope}:${a.key}=${a.value}`}
            className="cmp-row"
            data-testid="compare-attribute"
            data-attr={`${a.key}=${a.value}`}
            to={attributeLink(service, a.key, a.value, range)}
            title="Search the traces with this attribute"
          >
            <span className="cmp-name mono">
              {a.key}=<b>{a.value}</b>
            </span>
            <Bars selection={a.selectionShare} baseline={a.baselineShare} />
            <span className="cmp-nums">
              {formatPercent(a.selectionShare)} vs {formatPercent(a.baselineShare)}
            </span>
          </Link>
        ))}
      </div>
      <div className="cmp-list" data-testid="compare-operations">
        <h3>Operations</h3>
        {c.operations.length === 0 && <div className="muted">None stands out.</div>}
        {c.operations.map((o) => (
          <Link
            key={o.path.join('\n')}
            className="cmp-row"
            data-testid="compare-operation"
            data-operation={`${o.service}: ${o.name}`}
            to={operationLink(o.service, o.name, range)}
            title={o.path.join(' → ')}
          >
            <span className="cmp-name">
              <span className="muted">{o.service}:</span> {o.name}
              <span className={`badge cmp-reason cmp-reason-${o.reason}`}>
                {o.reason === 'occurs' ? 'more often' : o.reason === 'calls' ? 'more calls' : 'slower'}
              </span>
            </span>
            <Bars selection={o.selectionShare} baseline={o.baselineShare} />
            <span className="cmp-nums">
              {formatDurationMs(o.selectionMeanMs)} vs {formatDurationMs(o.baselineMeanMs)}
            </span>
          </Link>
        ))}
      </div>
      <div className="cmp-list" data-testid="compare-logs">
        <h3>Log patterns</h3>
        {c.logs.length === 0 && <div className="muted">None stands out.</div>}
        {c.logs.map((l) => (
          <Link
            key={l.pattern}
            className="cmp-row"
            data-testid="compare-log"
            to={patternLink(l.pattern, range)}
            title={l.example}
          >
            <span className="cmp-name mono">{l.pattern}</span>
            <Bars selection={l.selectionShare} baseline={l.baselineShare} />
            <span className="cmp-nums">
              {formatCount(l.selectionCount)} vs {formatCount(l.baselineCount)} lines
            </span>
          </Link>
        ))}
      </div>
      <div className="cmp-legend muted">
        <span className="cmp-key cmp-bar-sel" /> selected requests <span className="cmp-key cmp-bar-base" />{' '}
        the others
      </div>
    </div>
  )
}
