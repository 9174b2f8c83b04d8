import { type CompactTrace, compactSpanTree, decodeCompactTrace } from '@skein/model/compact'
import { buildSpanTree, type RowSpan, type SpanNode, type SpanTree } from '@skein/model/tree'
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { Link, useParams, useSearchParams } from 'react-router-dom'
import { api } from '../api/client'
import type { Span } from '../api/types'
import { LogsPanel } from '../components/LogsPanel'
import { Minimap } from '../components/Minimap'
import { SpanDetail } from '../components/SpanDetail'
import { Empty, ErrorState, Loading } from '../components/States'
import { TraceHeader } from '../components/TraceHeader'
import { TraceToolbar } from '../components/TraceToolbar'
import { type ScrollRequest, Waterfall } from '../components/Waterfall'
import { useApi } from '../hooks/useApi'
import { criticalPath, segmentsById } from '../lib/criticalPath'
import { findNPlusOne, type NPlusOne } from '../lib/fold'
import { mapLogsToSpans } from '../lib/logs'
import { computeMask, stepMatch, type TraceFilters } from '../lib/mask'
import { allParentIds, countDescendants, flattenTree, hiddenBy } from '../lib/rows'
import { FULL_VIEW, isFullView, type ViewWindow } from '../lib/scale'
import { parseTraceViewState, type TraceViewState, withTraceViewState } from '../lib/urlState'
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

/**
 * Traces with more spans than this open in compact form (model/src/compact.ts): the whole form of 20,000
 * spans is about 11 MB of JSON, and past that its parsing and its objects make the page slow to open; a
 * span's attributes and logs then come when it is selected.
 */
export const COMPACT_ABOVE = 20_000

/** What the span route takes: a span of a broken trace with another id cannot be looked up. */
const SPAN_ID = /^[0-9a-f]{16}$/i

type TraceData = Awaited<ReturnType<typeof api.trace>>
type Loaded = { kind: 'full'; trace: TraceData } | { kind: 'compact'; compact: CompactTrace }

/** The whole trace, unless it has more spans than COMPACT_ABOVE (the server says so first) or `compact`. */
async function loadTrace(traceId: string, signal: AbortSignal, compact: boolean): Promise<Loaded> {
  if (!compact) {
    const trace = await api.trace(traceId, signal, { maxSpans: COMPACT_ABOVE })
    const over = trace.truncated && trace.spans.length === 0 && (trace.spanCount ?? 0) > COMPACT_ABOVE
    if (!over) return { kind: 'full', trace }
  }
  return { kind: 'compact', compact: decodeCompactTrace(await api.traceCompact(traceId, signal)) }
}

/** What the user opened and closed in one trace: collapsed spans and expanded folds. */
interface Disclosure {
  tree?: SpanTree<RowSpan>
  collapsed: ReadonlySet<string>
  folds: ReadonlySet<string>
}

export function TracePage() {
  const { id = '' } = useParams()
  const traceId = id.toLowerCase()
  const [params, setParams] = useSearchParams()
  const state = useMemo(() => parseTraceViewState(params), [params])
  const selectedId = state.span
  const { q: query, errorsOnly, criticalOnly, minDurationMs } = state
  const filters = useMemo<TraceFilters>(
    () => ({ q: query, errorsOnly, criticalOnly, minDurationMs }),
    [query, errorsOnly, criticalOnly, minDurationMs],
  )
  const update = useCallback(
    (change: Partial<TraceViewState>) =>
      setParams((prev) => withTraceViewState(prev, change), { replace: true }),
    [setParams],
  )

  const q = useApi((signal) => loadTrace(traceId, signal, state.compact), [traceId, state.compact])
  const loaded = q.data
  const fullTree = useMemo(
    () => (loaded?.kind === 'full' ? buildSpanTree(loaded.trace.spans) : undefined),
    [loaded],
  )
  const tree: SpanTree<RowSpan> | undefined = useMemo(
    () => (loaded?.kind === 'compact' ? compactSpanTree(loaded.compact) : fullTree),
    [loaded, fullTree],
  )
  const compact = loaded?.kind === 'compact' ? loaded.compact : undefined

  // In compact form the selected span comes whole, with its log lines, from the server.
  const selectedNode = selectedId ? tree?.byId.get(selectedId) : undefined
  const selectedSpanId =
    compact && selectedNode && SPAN_ID.test(selectedNode.span.spanId) ? selectedNode.span.spanId : undefined
  const detail = useApi(
    (signal) =>
      selectedSpanId ? api.traceSpan(traceId, selectedSpanId, signal) : Promise.resolve(undefined),
    [traceId, selectedSpanId],
  )
  const detailOf = detail.data?.spans[0]?.spanId === selectedSpanId ? detail.data : undefined
  const traceLogs = useMemo(() => {
    if (!tree || !loaded) return undefined
    if (loaded.kind === 'full') return mapLogsToSpans(tree, loaded.trace.logs)
    return mapLogsToSpans(tree, detailOf?.logs ?? [])
  }, [tree, loaded, detailOf])
  const descendants = useMemo(() => (tree ? countDescendants(tree) : undefined), [tree])

  // Disclosure belongs to one trace: held with the tree it was made for, so a newly loaded trace starts
  // expanded without an effect (which would flatten a 100k-span tree twice).
  const [disclosureState, setDisclosureState] = useState<Disclosure>({ collapsed: NONE, folds: NONE })
  const disclosure = disclosureState.tree === tree ? disclosureState : { tree, collapsed: NONE, folds: NONE }
  const { collapsed, folds } = disclosure
  const setDisclosure = useCallback(
    (change: (prev: Disclosure) => Partial<Disclosure>) =>
      setDisclosureState((prev) => {
        const current = prev.tree === tree ? prev : { tree, collapsed: NONE, folds: NONE }
        return { ...current, ...change(current), tree }
      }),
    [tree],
  )

  const path = useMemo(
    () => (tree && (state.cp || criticalOnly) ? criticalPath(tree) : null),
    [tree, state.cp, criticalOnly],
  )
  const critical = useMemo(() => (path && state.cp ? segmentsById(path) : null), [path, state.cp])
  // The search reads log lines only when the trace came whole with all of them: in compact form the page
  // holds the selected span's lines alone, and a search that changed with each selection would mislead.
  const wholeLogs = loaded?.kind === 'full' ? traceLogs : undefined
  const logsOf = useMemo(
    () =>
      wholeLogs
        ? (node: SpanNode<RowSpan>) => wholeLogs.bySpan.get(node.id)?.map((i) => wholeLogs.logs[i].log.body)
        : undefined,
    [wholeLogs],
  )
  const mask = useMemo(
    () => (tree ? computeMask(tree, filters, { critical: path?.ids, logsOf }) : undefined),
    [tree, filters, path, logsOf],
  )
  const visible = mask?.visible ?? null
  const rows = useMemo(
    () => (tree ? flattenTree(tree, collapsed, descendants, { expandedFolds: folds, visible }) : []),
    [tree, collapsed, folds, descendants, visible],
  )
  const nPlusOne = useMemo(() => (tree ? findNPlusOne(tree) : []), [tree])

  // The window follows a drag on the minimap live; the URL gets it when the drag ends.
  const [viewDraft, setViewDraft] = useState<ViewWindow | null>(null)
  const view = viewDraft ?? state.view
  const onViewChange = useCallback(
    (v: ViewWindow, final: boolean) => {
      if (!final) return setViewDraft(v)
      setViewDraft(null)
      update({ view: v })
    },
    [update],
  )

  const [wfScroll, setWfScroll] = useState<ScrollRequest>()
  const [logScroll, setLogScroll] = useState<ScrollRequest>()
  const nonce = useRef(0)

  /** Opens whatever hides a span (collapsed ancestors, folds) so that its row exists. */
  const reveal = useCallback(
    (node: SpanNode<RowSpan>, keepFold?: string) => {
      if (!tree) return
      const hidden = hiddenBy(tree, node, collapsed, { expandedFolds: folds, visible })
      const openFolds = hidden.folds.filter((f) => f !== keepFold)
      if (hidden.collapsed.length === 0 && openFolds.length === 0) return
      setDisclosure((prev) => {
        const c = new Set(prev.collapsed)
        for (const a of hidden.collapsed) c.delete(a)
        const f = new Set(prev.folds)
        for (const a of openFolds) f.add(a)
        return { collapsed: c, folds: f }
      })
    },
    [tree, collapsed, folds, visible, setDisclosure],
  )

  // Deep link: once loaded, reveal the span from the URL and bring it into view in both panes.
  const landed = useRef<string | undefined>(undefined)
  useEffect(() => {
    if (!tree || !selectedId || landed.current === traceId) return
    landed.current = traceId
    const node = tree.byId.get(selectedId)
    if (node) reveal(node)
    const n = ++nonce.current
    setWfScroll({ id: selectedId, nonce: n })
    setLogScroll({ id: selectedId, nonce: n })
  }, [tree, selectedId, traceId, reveal])

  const selectFromWaterfall = useCallback(
    (spanId: string) => {
      update({ span: spanId })
      setLogScroll({ id: spanId, nonce: ++nonce.current })
    },
    [update],
  )

  const goTo = useCallback(
    (node: SpanNode<RowSpan>) => {
      reveal(node)
      update({ span: node.id })
      const n = ++nonce.current
      setWfScroll({ id: node.id, nonce: n })
      setLogScroll({ id: node.id, nonce: n })
    },
    [reveal, update],
  )

  const selectFromLog = useCallback(
    (spanId: string) => {
      const node = tree?.byId.get(spanId)
      if (node) goTo(node)
    },
    [tree, goTo],
  )

  // The selection lives in the URL and is drawn a moment after goTo: a second Enter pressed before
  // that steps on from where the first one went, not again from the span still drawn as selected.
  const lastStep = useRef<{ from: string | undefined; to: string }>(undefined)
  const step = useCallback(
    (direction: 1 | -1) => {
      if (!tree || !mask) return
      const pending = lastStep.current
      const origin = pending && pending.from === selectedId ? pending.to : selectedId
      const target = stepMatch(tree, mask.matches, origin, direction)
      if (!target) return
      lastStep.current = { from: selectedId, to: target.id }
      goTo(target)
    },
    [tree, mask, selectedId, goTo],
  )

  const showNPlusOne = useCallback(
    (found: NPlusOne) => {
      reveal(found.nodes[0], found.foldId)
      setWfScroll({ id: found.foldId, nonce: ++nonce.current })
    },
    [reveal],
  )

  const toggle = useCallback(
    (spanId: string) =>
      setDisclosure((prev) => {
        const next = new Set(prev.collapsed)
        if (next.has(spanId)) next.delete(spanId)
        else next.add(spanId)
        return { collapsed: next }
      }),
    [setDisclosure],
  )
  const toggleFold = useCallback(
    (foldId: string) =>
      setDisclosure((prev) => {
        const next = new Set(prev.folds)
        if (next.has(foldId)) next.delete(foldId)
        else next.add(foldId)
        return { folds: next }
      }),
    [setDisclosure],
  )
  const changeFilters = useCallback((change: Partial<TraceFilters>) => update(change), [update])
  const resetZoom = useCallback(() => onViewChange(FULL_VIEW, true), [onViewChange])

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
  const loadedId = loaded?.kind === 'full' ? loaded.trace.traceId : loaded?.compact.traceId
  if (!tree || !traceLogs || !mask || (q.loading && loadedId !== traceId))
    return <Loading label="Loading trace…" />
  if (tree.spanCount === 0) return <Empty title="This trace has no spans" />

  const selected = selectedNode
  let selectedSpan: Span | undefined
  if (selected && !compact) selectedSpan = fullTree?.byId.get(selected.id)?.span
  else if (selected && detailOf)
    selectedSpan = detailOf.spans.find((s) => s.startNs === selected.span.startNs) ?? detailOf.spans[0]
  const logCount = compact ? compact.header.logCount : traceLogs.logs.length
  const matchAt = selected && mask.isMatch?.[selected.index] ? mask.matches.indexOf(selected) + 1 : undefined
  return (
    <div className="trace-page" data-testid="trace-page">
      <TraceHeader
        traceId={traceId}
        tree={tree}
        logCount={logCount}
        truncated={compact ? compact.header.truncated : loaded?.kind === 'full' && loaded.trace.truncated}
        nPlusOne={nPlusOne}
        onShowNPlusOne={showNPlusOne}
        note={
          compact && (
            <span
              className="badge"
              data-testid="trace-compact"
              title={`Over ${COMPACT_ABOVE.toLocaleString('en')} spans, a trace comes in compact form: each span's attributes, events and log lines load when it is selected, and the search looks at span names and services.`}
            >
              Compact view
            </span>
          )
        }
        actions={
          <>
            <button
              type="button"
              className={`btn btn-sm ${state.cp ? 'btn-on' : ''}`}
              aria-pressed={state.cp}
              data-testid="critical-path-toggle"
              onClick={() => update({ cp: !state.cp })}
              title="Highlight the chain of spans that the trace's end waited on"
            >
              Critical path
            </button>
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => setDisclosure(() => ({ collapsed: allParentIds(tree) }))}
            >
              Collapse all
            </button>
            <button
              type="button"
              className="btn btn-sm"
              onClick={() => setDisclosure(() => ({ collapsed: new Set() }))}
            >
              Expand all
            </button>
            <Link className="btn btn-sm" to={logsLink(traceId, tree.startNs, tree.durationNs)}>
              Logs view
            </Link>
          </>
        }
      />
      <TraceToolbar
        filters={filters}
        onChange={changeFilters}
        matchCount={mask.matches.length}
        matchPosition={matchAt}
        onStep={step}
        spanCount={tree.spanCount}
        passCount={mask.passCount}
        zoomed={!isFullView(view)}
        onResetZoom={resetZoom}
        searchNote={compact ? 'In compact form the search looks at span names and services' : undefined}
      />
      <div className="trace-body">
        <div className="trace-left">
          <Minimap tree={tree} view={view} onChange={onViewChange} />
          <div className="trace-waterfall">
            <Waterfall
              tree={tree}
              rows={rows}
              selectedId={selected?.id}
              onSelect={selectFromWaterfall}
              onToggle={toggle}
              onToggleFold={toggleFold}
              markers={traceLogs.markers}
              critical={critical}
              scrollTo={wfScroll}
              view={view}
              isMatch={mask.isMatch}
              passes={mask.passes}
            />
          </div>
          {selected && (
            <div className="trace-detail">
              <SpanDetail
                node={selected}
                span={selectedSpan}
                tree={tree}
                logCount={
                  compact ? (selected.span.logCount ?? 0) : (traceLogs.bySpan.get(selected.id)?.length ?? 0)
                }
                onClose={() => update({ span: undefined })}
                loading={!!selectedSpanId && !detailOf && !detail.error}
                error={
                  selectedSpanId && detail.error
                    ? `Could not load the whole span: ${detail.error.message}`
                    : compact && !selectedSpanId
                      ? 'This span has no valid id, so its attributes cannot be looked up.'
                      : undefined
                }
              />
            </div>
          )}
        </div>
        <div className="trace-right">
          {compact && !selected ? (
            <div className="state" data-testid="trace-compact-logs">
              <div className="state-title">Select a span to see its log lines</div>
              <div className="state-detail">
                This trace has {logCount.toLocaleString('en')} log lines; in compact form they load span by
                span.
              </div>
            </div>
          ) : (
            <LogsPanel
              logs={traceLogs.logs}
              tree={tree}
              selectedSpanId={selected?.id}
              onSelectSpan={selectFromLog}
              scrollTo={logScroll}
            />
          )}
        </div>
      </div>
    </div>
  )
}
