import { useEffect, useMemo } from 'react'
import { Link, useParams } from 'react-router-dom'
import { api } from '../api/client'
import { Empty, ErrorState, Loading } from '../components/States'
import { useApi } from '../hooks/useApi'
import { serviceColor } from '../lib/colors'
import { deltaText, diffRows } from '../lib/compare'
import { formatDurationMs, shortId } from '../lib/format'
import './TraceDiff.css'

const CHANGE_TEXT = { added: 'only in B', removed: 'only in A', slower: 'slower', faster: 'faster', same: '' }

/**
 * Two traces in one waterfall (/api/v1/traces/{a}/diff/{b}): each row a span matched by path, A's bar
 * above B's on the scale of the longer trace, marked added (only in B), removed (only in A), slower or
 * faster with the delta. Names are telemetry: text only.
 */
export function TraceDiffPage() {
  const { a = '', b = '' } = useParams()
  const q = useApi((signal) => api.traceDiff(a, b, signal), [a, b])
  const rows = useMemo(() => (q.data ? diffRows(q.data) : []), [q.data])
  useEffect(() => {
    document.title = `Diff ${shortId(a, 8)} → ${shortId(b, 8)} · Skein`
  }, [a, b])
  return (
    <div className="page" data-testid="diff-page">
      <div className="page-head">
        <div>
          <h1>Trace diff</h1>
          <p>
            A{' '}
            <Link to={`/traces/${a}`} className="mono">
              {shortId(a, 16)}
            </Link>{' '}
            → B{' '}
            <Link to={`/traces/${b}`} className="mono">
              {shortId(b, 16)}
            </Link>
            : spans matched by their path from the root.
          </p>
        </div>
        {q.data && (
          <div className="diff-counts" data-testid="diff-counts">
            <span className="badge badge-ok">{q.data.onlyInA} only in A</span>
            <span className="badge badge-accent">{q.data.onlyInB} only in B</span>
            <span className="badge badge-error">{q.data.slower} slower</span>
          </div>
        )}
      </div>
      <div className="card">
        {q.error ? (
          <ErrorState error={q.error} title="Could not diff these traces" onRetry={q.reload} />
        ) : !q.data ? (
          <Loading label="Matching spans…" />
        ) : rows.length === 0 ? (
          <Empty title="No spans" />
        ) : (
          <div className="diff-rows" data-testid="diff-rows">
            {rows.map((r) => {
              const e = r.entry
              const span = e.b ?? e.a
              return (
                <div
                  key={e.path.join('\n')}
                  className={`diff-row diff-${e.change}`}
                  data-testid="diff-row"
                  data-change={e.change}
                  data-name={span ? `${span.service}: ${span.name}` : ''}
                >
                  <div className="diff-label" style={{ paddingLeft: `${e.depth * 14}px` }}>
                    <span className="diff-service" style={{ color: serviceColor(span?.service ?? '') }}>
                      {span?.service}
                    </span>{' '}
                    <span className="diff-name">{r.label.slice((span?.service.length ?? 0) + 2)}</span>
                    {CHANGE_TEXT[e.change] && (
                      <span className="diff-change" data-testid="diff-change">
                        {CHANGE_TEXT[e.change]}
                      </span>
                    )}
                  </div>
                  <div className="diff-bars">
                    <div className="diff-track">
                      {r.a && (
                        <div
                          className="diff-bar diff-bar-a"
                          title={`A: ${formatDurationMs(e.a?.durationMs)}`}
                          style={{ left: `${r.a.left * 100}%`, width: `${r.a.width * 100}%` }}
                        />
                      )}
                    </div>
                    <div className="diff-track">
                      {r.b && (
                        <div
                          className="diff-bar diff-bar-b"
                          title={`B: ${formatDurationMs(e.b?.durationMs)}`}
                          style={{ left: `${r.b.left * 100}%`, width: `${r.b.width * 100}%` }}
                        />
                      )}
                    </div>
                  </div>
                  <div className="diff-nums mono">
                    {e.a ? formatDurationMs(e.a.durationMs) : '—'} →{' '}
                    {e.b ? formatDurationMs(e.b.durationMs) : '—'}
                    <span className="diff-delta" data-testid="diff-delta">
                      {deltaText(e.deltaMs)}
                    </span>
                  </div>
                </div>
              )
            })}
          </div>
        )}
      </div>
    </div>
  )
}
