import type { SpanTree } from '@skein/model/tree'
import { useVirtualizer } from '@tanstack/react-virtual'
import { type KeyboardEvent, memo, useEffect, useMemo, useRef } from 'react'
import { serviceColor } from '../lib/colors'
import type { CriticalSegment } from '../lib/criticalPath'
import { formatDurationNs } from '../lib/format'
import type { LogMarker } from '../lib/logs'
import type { SpanRow as Row } from '../lib/rows'
import { rulerTicks, toFraction } from '../lib/scale'
import './Waterfall.css'

const ROW_H = 26
const MAX_INDENT_DEPTH = 40
const MAX_MARKERS = 200

export interface ScrollRequest {
  id: string
  nonce: number
}

interface Props {
  tree: SpanTree
  rows: Row[]
  selectedId?: string
  onSelect: (id: string) => void
  onToggle: (id: string) => void
  markers: Map<string, LogMarker[]>
  /** Critical-path segments per span id, or null when the critical path is not shown. */
  critical: Map<string, CriticalSegment[]> | null
  scrollTo?: ScrollRequest
}

const pct = (f: number) => `${(f * 100).toFixed(4)}%`

interface RowProps {
  row: Row
  total: number
  selected: boolean
  markers: LogMarker[] | undefined
  critical: CriticalSegment[] | undefined
  criticalOn: boolean
  start: number
  onSelect: (id: string) => void
  onToggle: (id: string) => void
}

const WaterfallRow = memo(function WaterfallRow({
  row,
  total,
  selected,
  markers,
  critical,
  criticalOn,
  start,
  onSelect,
  onToggle,
}: RowProps) {
  const { node } = row
  const s = node.span
  const left = toFraction(node.startNs, total)
  const width = Math.max(0, toFraction(node.endNs, total) - left)
  // Duration label: after the bar, else before it, else (a long bar from the start) inside its end.
  const labelPlace = left + width <= 0.8 ? 'after' : left >= 0.15 ? 'before' : 'inside'
  const color = serviceColor(s.service)
  const indent = Math.min(row.depth, MAX_INDENT_DEPTH) * 14 + 6
  const cls = ['wf-row']
  if (selected) cls.push('is-selected')
  if (node.isError) cls.push('is-error')
  if (criticalOn && !critical) cls.push('is-dimmed')
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
      </div>
      <div className="wf-track">
        <div className="wf-bar" style={{ left: pct(left), width: pct(width), background: color }} />
        {critical?.map((seg) => {
          const l = toFraction(seg.startNs, total)
          return (
            <div
              key={seg.startNs}
              className="wf-critical"
              style={{ left: pct(l), width: pct(Math.max(0, toFraction(seg.endNs, total) - l)) }}
            />
          )
        })}
        {markers?.slice(0, MAX_MARKERS).map((m) => (
          <div key={m.logIndex} className={`wf-marker level-${m.level}`} style={{ left: pct(m.fraction) }} />
        ))}
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
      </div>
    </div>
  )
})

/**
 * The span tree as a virtualized waterfall: only the rows in view are in the DOM, so 100k spans cost the
 * same to draw as 50. Keyboard: ↑/↓ move the selection, ←/→ collapse and expand.
 */
export function Waterfall({
  tree,
  rows,
  selectedId,
  onSelect,
  onToggle,
  markers,
  critical,
  scrollTo,
}: Props) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const total = tree.durationNs
  const ticks = useMemo(() => rulerTicks(total, 5), [total])
  const indexById = useMemo(() => {
    const m = new Map<string, number>()
    for (let i = 0; i < rows.length; i++) m.set(rows[i].node.id, i)
    return m
  }, [rows])

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 12,
    initialRect: { width: 1000, height: 600 },
  })

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll only when a new request arrives
  useEffect(() => {
    if (!scrollTo) return
    const i = indexById.get(scrollTo.id)
    if (i !== undefined) virtualizer.scrollToIndex(i, { align: 'auto' })
  }, [scrollTo, indexById])

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = selectedId ? indexById.get(selectedId) : undefined
    const move = (to: number) => {
      const r = rows[Math.max(0, Math.min(rows.length - 1, to))]
      if (!r) return
      onSelect(r.node.id)
      virtualizer.scrollToIndex(indexById.get(r.node.id)!, { align: 'auto' })
    }
    if (e.key === 'ArrowDown') move(i === undefined ? 0 : i + 1)
    else if (e.key === 'ArrowUp') move(i === undefined ? 0 : i - 1)
    else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && i !== undefined) {
      const r = rows[i]
      if (r.hasChildren && r.collapsed === (e.key === 'ArrowRight')) onToggle(r.node.id)
      else if (e.key === 'ArrowLeft' && r.node.parent) move(indexById.get(r.node.parent.id) ?? i)
    } else return
    e.preventDefault()
  }

  const criticalOn = critical !== null
  return (
    <div className="wf" data-testid="waterfall">
      <div className="wf-ruler">
        <div className="wf-ruler-name">Service &amp; operation</div>
        <div className="wf-ruler-track">
          {ticks.map((t, i) => (
            <span
              key={t.ns}
              className={`wf-tick ${i === ticks.length - 1 && t.fraction > 0.9 ? 'is-last' : ''}`}
              style={{ left: pct(t.fraction) }}
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
              const id = row.node.id
              return (
                <WaterfallRow
                  key={id}
                  row={row}
                  total={total}
                  selected={id === selectedId}
                  markers={markers.get(id)}
                  critical={critical?.get(id)}
                  criticalOn={criticalOn}
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
