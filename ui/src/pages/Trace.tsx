import { ancestorsOf, buildSpanTree, type SpanTree } from '@skein/model/tree'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Link, useParams, useSearchParams } from 'react-router-dom'
import { api } from '../api/client'
import { LogsPanel } from '../components/LogsPanel'
import { SpanDetail } from '../components/SpanDetail'
import { Empty, ErrorState, Loading } from '../components/States'
import { TraceHeader } from '../components/TraceHeader'
import { type ScrollRequest, Waterfall } from '../components/Waterfall'
import { useApi } from '../hooks/useApi'
import { criticalPath, segmentsById } from '../lib/criticalPath'
import { mapLogsToSpans } from '../lib/logs'
import { allParentIds, countDescendants, flattenTree, type SpanRow } from '../lib/rows'
import './Trace.css'

/** The trace's own time bounds, widened by a minute, so the Logs page finds lines written around it. */
function logsLink(traceId: string, startNs: bigint, durationNs: number): string {
  const startMs = Number(startNs / 1_000_000n)
  const p = new URLSearchParams({
    traceId,
    start: new Date(startMs - 60_000).toISOString(),
    end: new Date(startMs + durationNs / 1e6 + 60_000).toISOString(),
  })
  return `/logs?${p}`
}

const NONE: ReadonlySet<string> = new Set()

export function TracePage() {
  const { id = '' } = useParams()
  const traceId = id.toLowerCase()
  const [params, setParams] = useSearchParams()
  const selectedId = params.get('span') ?? undefined
  const showCritical = params.get('cp') === '1'

  const q = useApi((signal) => api.trace(traceId, signal), [traceId])
  const tree = useMemo(() => (q.data ? buildSpanTree(q.data.spans) : undefined), [q.data])
  const traceLogs = useMemo(
    () => (tree && q.data ? mapLogsToSpans(tree, q.data.logs) : undefined),
    [tree, q.data],
  )
  const descendants = useMemo(() => (tree ? countDescendants(tree) : undefined), [tree])
  // Collapse state belongs to one trace: held with the tree it was made for, so a newly loaded trace starts
  // expanded without an effect (which would flatten a 100k-span tree twice).
  const [collapsedState, setCollapsedState] = useState<{ tree?: SpanTree; ids: ReadonlySet<string> }>({
    ids: NONE,
  })
  const collapsed = collapsedState.tree === tree ? collapsedState.ids : NONE
  const setCollapsed = useCallback(
    (next: ReadonlySet<string> | ((prev: ReadonlySet<string>) => ReadonlySet<string>)) =>
      setCollapsedState((prev) => {
        const current = prev.tree === tree ? prev.ids : NONE
        return { tree, ids: typeof next === 'function' ? next(current) : next }
      }),
    [tree],
  )
  const rows = useMemo(
    // Folding repeated siblings comes with the waterfall's fold rows.
    () => (tree ? (flattenTree(tree, collapsed, descendants, { minFold: 0 }) as SpanRow[]) : []),
    [tree, collapsed, descendants],
  )
  const critical = useMemo(
    () => (tree && showCritical ? segmentsById(criticalPath(tree)) : null),
    [tree, showCritical],
  )

  const [wfScroll, setWfScroll] = useState<ScrollRequest>()
  const [logScroll, setLogScroll] = useState<ScrollRequest>()
  const nonce = useRef(0)

  // Deep link: once loaded, bring the span from the URL into view in both panes.
  const landed = useRef<string | undefined>(undefined)
  useEffect(() => {
    if (!tree || !selectedId || landed.current === traceId) return
    landed.current = traceId
    const n = ++nonce.current
    setWfScroll({ id: selectedId, nonce: n })
    setLogScroll({ id: selectedId, nonce: n })
  }, [tree, selectedId, traceId])

  const setParam = useCallback(
    (key: string, value: string | undefined) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev)
          if (value === undefined) next.delete(key)
          else next.set(key, value)
          return next
        },
        { replace: true },
      ),
    [setParams],
  )

  const selectFromWaterfall = useCallback(
    (spanId: string) => {
      setParam('span', spanId)
      setLogScroll({ id: spanId, nonce: ++nonce.current })
    },
    [setParam],
  )

  const selectFromLog = useCallback(
    (spanId: string) => {
      const node = tree?.byId.get(spanId)
      if (!node) return
      const hidden = ancestorsOf(node).filter((a) => collapsed.has(a.id))
      if (hidden.length) {
        setCollapsed((prev) => {
          const next = new Set(prev)
          for (const a of hidden) next.delete(a.id)
          return next
        })
      }
      setParam('span', spanId)
      setWfScroll({ id: spanId, nonce: ++nonce.current })
    },
    [tree, collapsed, setParam, setCollapsed],
  )

  const toggle = useCallback(
    (spanId: string) =>
      setCollapsed((prev) => {
        const next = new Set(prev)
        if (next.has(spanId)) next.delete(spanId)
        else next.add(spanId)
        return next
      }),
    [setCollapsed],
  )

  useEffect(() => {
    document.title = tree ? `Trace ${traceId.slice(0, 8)} · Skein` : 'Trace · Skein'
  }, [tree, traceId])

  if (q.error) {
    const notFound = q.error.status === 404
    return (
      <div className="page">
        <ErrorState
          title={notFound ? 'Trace not found' : 'Could not load this trace'}
          error={
            notFound
              ? {
                  ...q.error,
                  message: `No span with trace id ${traceId} in storage. It may not have arrived yet, or it is past retention.`,
                }
              : q.error
          }
          onRetry={q.reload}
        />
        <div style={{ textAlign: 'center' }}>
          <Link to="/search">Back to search</Link>
        </div>
      </div>
    )
  }
  if (!tree || !traceLogs || (q.loading && q.data?.traceId !== traceId))
    return <Loading label="Loading trace…" />
  if (tree.spanCount === 0) return <Empty title="This trace has no spans" />

  const selected = selectedId ? tree.byId.get(selectedId) : undefined
  return (
    <div className="trace-page" data-testid="trace-page">
      <TraceHeader
        traceId={traceId}
        tree={tree}
        logCount={traceLogs.logs.length}
        truncated={q.data?.truncated}
        actions={
          <>
            <button
              type="button"
              className={`btn btn-sm ${showCritical ? 'btn-on' : ''}`}
              aria-pressed={showCritical}
              data-testid="critical-path-toggle"
              onClick={() => setParam('cp', showCritical ? undefined : '1')}
              title="Highlight the chain of spans that the trace's end waited on"
            >
              Critical path
            </button>
            <button type="button" className="btn btn-sm" onClick={() => setCollapsed(allParentIds(tree))}>
              Collapse all
            </button>
            <button type="button" className="btn btn-sm" onClick={() => setCollapsed(new Set())}>
              Expand all
            </button>
            <Link className="btn btn-sm" to={logsLink(traceId, tree.startNs, tree.durationNs)}>
              Logs view
            </Link>
          </>
        }
      />
      <div className="trace-body">
        <div className="trace-left">
          <div className="trace-waterfall">
            <Waterfall
              tree={tree}
              rows={rows}
              selectedId={selected?.id}
              onSelect={selectFromWaterfall}
              onToggle={toggle}
              markers={traceLogs.markers}
              critical={critical}
              scrollTo={wfScroll}
            />
          </div>
          {selected && (
            <div className="trace-detail">
              <SpanDetail
                node={selected}
                tree={tree}
                logCount={traceLogs.bySpan.get(selected.id)?.length ?? 0}
                onClose={() => setParam('span', undefined)}
              />
            </div>
          )}
        </div>
        <div className="trace-right">
          <LogsPanel
            logs={traceLogs.logs}
            tree={tree}
            selectedSpanId={selected?.id}
            onSelectSpan={selectFromLog}
            scrollTo={logScroll}
          />
        </div>
      </div>
    </div>
  )
}
