import type { RowSpan, SpanTree } from '@skein/model/tree'
import { useVirtualizer } from '@tanstack/react-virtual'
import { type KeyboardEvent, memo, useEffect, useMemo, useRef } from 'react'
import { serviceColor } from '../lib/colors'
import type { CriticalSegment } from '../lib/criticalPath'
import { formatDurationNs } from '../lib/format'
import type { LogMarker } from '../lib/logs'
import type { FoldRow, Row, SpanRow } from '../lib/rows'
import { barInView, FULL_VIEW, fractionInView, rulerTicks, type ViewWindow } from '../lib/scale'
import './Waterfall.css'

const ROW_H = 26
const MAX_INDENT_DEPTH = 40
const MAX_MARKERS = 200
/** A fold draws each of its spans up to this many; past it, one bar over the run. */
const MAX_FOLD_TICKS = 300

export interface ScrollRequest {
  /** A span id, or a fold row's id. */
  id: string
  nonce: number
}

interface Props {
  tree: SpanTree<RowSpan>
  rows: Row[]
  selectedId?: string
  onSelect: (id: string) => void
  onToggle: (id: string) => void
  /** Expands or folds a run of repeated siblings (by fold id). */
  onToggleFold?: (id: string) => void
  markers: Map<string, LogMarker[]>
  /** Critical-path segments per span id, or null when the critical path is not shown. */
  critical: Map<string, CriticalSegment[]> | null
  scrollTo?: ScrollRequest
  /** The window of the time axis on show (minimap); the whole trace by default. */
  view?: ViewWindow
  /** Search matches by node index (the rest is dimmed), or null without a search. */
  isMatch?: Uint8Array | null
  /** Spans that pass the filters by node index (the others are context), or null without filters. */
  passes?: Uint8Array | null
}

const pct = (f: number) => `${(f * 100).toFixed(4)}%`

interface RowProps {
  row: SpanRow
  total: number
  view: ViewWindow
  selected: boolean
  markers: LogMarker[] | undefined
  critical: CriticalSegment[] | undefined
  criticalOn: boolean
  match: 'yes' | 'no' | undefined
  context: boolean
  start: number
  onSelect: (id: string) => void
  onToggle: (id: string) => void
}

const WaterfallRow = memo(function WaterfallRow({
  row,
  total,
  view,
  selected,
  markers,
  critical,
  criticalOn,
  match,
  context,
  start,
  onSelect,
  onToggle,
}: RowProps) {
  const { node } = row
  const s = node.span
  const bar = barInView(node.startNs, node.endNs, total, view)
  // Duration label: after the bar, else before it, else (a long bar from the start) inside its end.
  const left = bar?.left ?? 0
  const width = bar?.width ?? 0
  const labelPlace = left + width <= 0.8 ? 'after' : left >= 0.15 ? 'before' : 'inside'
  const color = serviceColor(s.service)
  const indent = Math.min(row.depth, MAX_INDENT_DEPTH) * 14 + 6
  const cls = ['wf-row']
  if (selected) cls.push('is-selected')
  if (node.isError) cls.push('is-error')
  if ((criticalOn && !critical) || match === 'no') cls.push('is-dimmed')
  if (context) cls.push('is-context')
  if (match === 'yes') cls.push('is-match')
  const logCount = markers ? 0 : (s.logCount ?? 0)
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the tree handles the keyboard (arrows), see Waterfall
    <div
      className={cls.join(' ')}
      style={{ transform: `translateY(${start}px)` }}
      tabIndex={-1}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-selected={selected}
      aria-expanded={row.hasChildren ? !row.collapsed : undefined}
      data-testid="waterfall-row"
      data-span-id={node.id}
      data-critical={critical ? 'true' : undefined}
      data-match={match === 'yes' ? 'true' : undefined}
      onClick={() => onSelect(node.id)}
    >
      <div className="wf-name" style={{ paddingLeft: indent }} title={`${s.service}: ${s.name}`}>
        {row.hasChildren ? (
          <button
            type="button"
            className="wf-toggle"
            aria-label={row.collapsed ? 'Expand' : 'Collapse'}
            data-testid="waterfall-toggle"
            onClick={(e) => {
              e.stopPropagation()
              onToggle(node.id)
            }}
          >
            {row.collapsed ? '▶' : '▼'}
          </button>
        ) : (
          <span className="wf-toggle-spacer" />
        )}
        {row.depth > MAX_INDENT_DEPTH && <span className="wf-deep">{row.depth}</span>}
        {node.isError && (
          <span className="wf-err" title="Error" role="img" aria-label="error">
            !
          </span>
        )}
        <span className="wf-service" style={{ color }}>
          {s.service}
        </span>
        <span className="wf-op">{s.name}</span>
        {row.collapsed && <span className="wf-hidden">+{row.descendantCount}</span>}
        {logCount > 0 && (
          <span className="wf-logs" title={`${logCount} log lines`}>
            ≡{logCount}
          </span>
        )}
      </div>
      <div className="wf-track">
        {bar && (
          <div
            className={`wf-bar ${bar.cutStart ? 'is-cut-start' : ''} ${bar.cutEnd ? 'is-cut-end' : ''}`}
            style={{ left: pct(bar.left), width: pct(bar.width), background: color }}
          />
        )}
        {critical?.map((seg) => {
          const b = barInView(seg.startNs, seg.endNs, total, view)
          return b ? (
            <div
              key={seg.startNs}
              className="wf-critical"
              style={{ left: pct(b.left), width: pct(b.width) }}
            />
          ) : null
        })}
        {markers?.slice(0, MAX_MARKERS).map((m) => {
          const f = fractionInView(m.fraction, view)
          return f < 0 || f > 1 ? null : (
            <div key={m.logIndex} className={`wf-marker level-${m.level}`} style={{ left: pct(f) }} />
          )
        })}
        {bar && (
          <span
            className={`wf-dur ${labelPlace === 'inside' ? 'is-inside' : ''}`}
            style={
              labelPlace === 'after'
                ? { left: pct(left + width) }
                : { right: pct(1 - (labelPlace === 'before' ? left : left + width)) }
            }
          >
            {formatDurationNs(node.durationNs)}
          </span>
        )}
      </div>
    </div>
  )
})

const FoldRowView = memo(function FoldRowView({
  row,
  total,
  view,
  matches,
  start,
  onToggleFold,
}: {
  row: FoldRow
  total: number
  view: ViewWindow
  /** How many of its spans the search matches; undefined without a search. */
  matches: number | undefined
  start: number
  onToggleFold?: (id: string) => void
}) {
  const { stats } = row
  const color = serviceColor(row.service)
  const indent = Math.min(row.depth, MAX_INDENT_DEPTH) * 14 + 6
  const toggle = () => onToggleFold?.(row.id)
  const cls = ['wf-row', 'wf-fold']
  if (row.expanded) cls.push('is-expanded')
  if (stats.errorCount > 0) cls.push('is-error')
  if (matches === 0) cls.push('is-dimmed')
  if (matches) cls.push('is-match')
  const runBar = barInView(stats.startNs, stats.endNs, total, view)
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the toggle button inside is the keyboard's way in
    <div
      className={cls.join(' ')}
      style={{ transform: `translateY(${start}px)` }}
      tabIndex={-1}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-expanded={row.expanded}
      aria-selected={false}
      data-testid="waterfall-fold"
      data-fold-id={row.id}
      onClick={toggle}
    >
      <div
        className="wf-name"
        style={{ paddingLeft: indent }}
        title={`${stats.count} calls of ${row.service}: ${row.name}`}
      >
        <button
          type="button"
          className="wf-toggle"
          aria-label={row.expanded ? 'Fold repeated calls' : 'Show each call'}
          data-testid="waterfall-fold-toggle"
          onClick={(e) => {
            e.stopPropagation()
            toggle()
          }}
        >
          {row.expanded ? '▼' : '▶'}
        </button>
        <span className="wf-fold-count" data-testid="fold-count">
          × {stats.count.toLocaleString('en')}
        </span>
        {stats.errorCount > 0 && (
          <span className="wf-err" title={`${stats.errorCount} errors`} role="img" aria-label="errors">
            !
          </span>
        )}
        <span className="wf-service" style={{ color }}>
          {row.service}
        </span>
        <span className="wf-op wf-fold-op">{row.name}</span>
        <span className="wf-fold-stats" data-testid="fold-stats">
          — total {formatDurationNs(stats.totalNs)}, max {formatDurationNs(stats.maxNs)}
        </span>
        {matches ? <span className="wf-hidden">{matches} found</span> : null}
      </div>
      <div className="wf-track">
        {row.nodes.length <= MAX_FOLD_TICKS ? (
          row.nodes.map((n) => {
            const b = barInView(n.startNs, n.endNs, total, view)
            return b ? (
              <div
                key={n.id}
                className="wf-bar wf-fold-tick"
                style={{ left: pct(b.left), width: pct(b.width), background: color }}
              />
            ) : null
          })
        ) : runBar ? (
          <div
            className="wf-bar wf-fold-run"
            style={{ left: pct(runBar.left), width: pct(runBar.width), background: color }}
          />
        ) : null}
      </div>
    </div>
  )
})

function matchesIn(row: FoldRow, isMatch: Uint8Array): number {
  let n = 0
  for (const node of row.nodes) n += isMatch[node.index]
  return n
}

/**
 * The span tree as a virtualized waterfall: only the rows in view are in the DOM, so 100k spans cost the
 * same to draw as 50. The time axis shows the window `view` of the trace. Keyboard: ↑/↓ move the
 * selection, ←/→ collapse and expand.
 */
export function Waterfall({
  tree,
  rows,
  selectedId,
  onSelect,
  onToggle,
  onToggleFold,
  markers,
  critical,
  scrollTo,
  view = FULL_VIEW,
  isMatch = null,
  passes = null,
}: Props) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const total = tree.durationNs
  const ticks = useMemo(() => rulerTicks(total, 5, view), [total, view])
  // Looked up only to scroll or for the keyboard: a map of a million rows would cost more than the scans.
  const indexOf = (id: string | undefined) => {
    if (id === undefined) return undefined
    const i = rows.findIndex((r) => r.id === id)
    return i < 0 ? undefined : i
  }

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 12,
    initialRect: { width: 1000, height: 600 },
  })

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll when a new request arrives, or when the rows change under one (a fold opened to show it)
  useEffect(() => {
    if (!scrollTo) return
    const i = indexOf(scrollTo.id)
    if (i !== undefined) virtualizer.scrollToIndex(i, { align: 'auto' })
  }, [scrollTo, rows])

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = indexOf(selectedId)
    // Up and down go from span to span, over fold rows (their toggle is reached with Tab).
    const move = (from: number, step: 1 | -1) => {
      for (let j = from; j >= 0 && j < rows.length; j += step) {
        const r = rows[j]
        if (r.kind !== 'span') continue
        onSelect(r.id)
        virtualizer.scrollToIndex(j, { align: 'auto' })
        return
      }
    }
    if (e.key === 'ArrowDown') move(i === undefined ? 0 : i + 1, 1)
    else if (e.key === 'ArrowUp') move(i === undefined ? 0 : i - 1, -1)
    else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && i !== undefined) {
      const r = rows[i]
      if (r.kind !== 'span') return
      if (r.hasChildren && r.collapsed === (e.key === 'ArrowRight')) onToggle(r.id)
      else if (e.key === 'ArrowLeft' && r.node.parent) {
        const p = indexOf(r.node.parent.id)
        if (p !== undefined) move(p, -1)
      }
    } else return
    e.preventDefault()
  }

  const criticalOn = critical !== null
  return (
    <div className="wf" data-testid="waterfall">
      <div className="wf-ruler">
        <div className="wf-ruler-name">Service &amp; operation</div>
        <div className="wf-ruler-track" data-testid="waterfall-ruler">
          {ticks.map((t, i) => (
            <span
              key={t.ns}
              className={`wf-tick ${i === ticks.length - 1 && t.fraction > 0.9 ? 'is-last' : ''}`}
              style={{ left: pct(t.fraction) }}
              data-testid="ruler-tick"
            >
              {/* The end label is right-aligned at the edge; a tick label just before it would collide. */}
              {i < ticks.length - 1 && ticks[ticks.length - 1].fraction - t.fraction < 0.18
                ? ''
                : formatDurationNs(t.ns)}
            </span>
          ))}
        </div>
      </div>
      <div className="wf-viewport">
        <div className="wf-grid" aria-hidden="true">
          {ticks.map((t) => (
            <div key={t.ns} className="wf-grid-line" style={{ left: pct(t.fraction) }} />
          ))}
        </div>
        <div
          ref={scrollRef}
          className="wf-scroll"
          role="tree"
          aria-label="Spans"
          tabIndex={0}
          onKeyDown={onKeyDown}
          data-testid="waterfall-scroll"
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = rows[item.index]
              if (row.kind === 'fold')
                return (
                  <FoldRowView
                    key={row.id}
                    row={row}
                    total={total}
                    view={view}
                    matches={isMatch ? matchesIn(row, isMatch) : undefined}
                    start={item.start}
                    onToggleFold={onToggleFold}
                  />
                )
              const id = row.id
              const index = row.node.index
              return (
                <WaterfallRow
                  key={id}
                  row={row}
                  total={total}
                  view={view}
                  selected={id === selectedId}
                  markers={markers.get(id)}
                  critical={critical?.get(id)}
                  criticalOn={criticalOn}
                  match={isMatch ? (isMatch[index] === 1 ? 'yes' : 'no') : undefined}
                  context={passes !== null && passes[index] === 0}
                  start={item.start}
                  onSelect={onSelect}
                  onToggle={onToggle}
                />
              )
            })}
          </div>
        </div>
      </div>
    </div>
  )
}
