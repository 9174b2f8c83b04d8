import type { RowSpan, SpanTree } from '@skein/model/tree'
import { type KeyboardEvent, memo, type PointerEvent, useEffect, useMemo, useRef } from 'react'
import { SERVICE_PALETTE } from '../lib/colors'
import { formatDurationNs } from '../lib/format'
import { ERROR_CELL, minimapCells } from '../lib/minimap'
import { depthFirst } from '../lib/rows'
import {
  FULL_VIEW,
  isFullView,
  panView,
  resizeView,
  type ViewWindow,
  viewFromDrag,
  zoomView,
} from '../lib/scale'
import './Minimap.css'

/** The image's resolution; the canvas is stretched to the width of the page. */
const WIDTH = 1200
const HEIGHT = 48
/** A press that moves less than this (in CSS px) is a click, not a new window. */
const DRAG_PX = 3

const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16))
const PALETTE = [[0, 0, 0], ...SERVICE_PALETTE.map(rgb), rgb('#dc2626')]

interface Drag {
  mode: 'new' | 'pan' | 'start' | 'end'
  x0: number
  view0: ViewWindow
  moved: boolean
  last: ViewWindow
}

/**
 * The whole trace in miniature with the window the waterfall shows. Drag across it to zoom into a time
 * range, drag the window to move it, drag its edges to resize it; a double click shows the whole trace.
 * `onChange` is called while dragging (`final` false) and once when the drag ends (`final` true).
 * Keyboard: ←/→ move the window, +/− zoom in and out, Escape shows the whole trace.
 */
export const Minimap = memo(function Minimap({
  tree,
  view,
  onChange,
}: {
  tree: SpanTree<RowSpan>
  view: ViewWindow
  onChange: (view: ViewWindow, final: boolean) => void
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null)
  const drag = useRef<Drag | null>(null)
  const cells = useMemo(() => minimapCells(depthFirst(tree), tree.durationNs, WIDTH, HEIGHT), [tree])

  useEffect(() => {
    const ctx = canvasRef.current?.getContext('2d')
    if (!ctx) return // no canvas in jsdom
    const img = ctx.createImageData(WIDTH, HEIGHT)
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]
      if (c === 0) continue
      const [r, g, b] = PALETTE[c] ?? PALETTE[ERROR_CELL]
      img.data[i * 4] = r
      img.data[i * 4 + 1] = g
      img.data[i * 4 + 2] = b
      img.data[i * 4 + 3] = c === ERROR_CELL ? 255 : 190
    }
    ctx.putImageData(img, 0, 0)
  }, [cells])

  const at = (e: PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect()
    return r.width > 0 ? (e.clientX - r.left) / r.width : 0
  }
  const total = tree.durationNs

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return
    const x = at(e)
    const edge = (e.target as HTMLElement).dataset.edge
    const inside = !isFullView(view) && x >= view.start && x <= view.end
    const mode = edge === 'start' || edge === 'end' ? edge : inside ? 'pan' : 'new'
    drag.current = { mode, x0: x, view0: view, moved: false, last: view }
    e.currentTarget.setPointerCapture?.(e.pointerId)
    e.preventDefault()
  }
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const d = drag.current
    if (!d) return
    const x = at(e)
    const width = e.currentTarget.getBoundingClientRect().width || 1
    if (!d.moved && Math.abs(x - d.x0) * width < DRAG_PX) return
    d.moved = true
    d.last =
      d.mode === 'new'
        ? viewFromDrag(d.x0, x, total)
        : d.mode === 'pan'
          ? panView(d.view0, x - d.x0)
          : resizeView(d.view0, d.mode, x, total)
    onChange(d.last, false)
  }
  const onPointerUp = () => {
    const d = drag.current
    drag.current = null
    if (d?.moved) onChange(d.last, true)
  }

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const w = view.end - view.start
    const next =
      e.key === 'ArrowLeft'
        ? panView(view, -w / 4)
        : e.key === 'ArrowRight'
          ? panView(view, w / 4)
          : e.key === '+' || e.key === '='
            ? zoomView(view, 0.5, undefined, total)
            : e.key === '-'
              ? zoomView(view, 2, undefined, total)
              : e.key === 'Escape'
                ? FULL_VIEW
                : undefined
    if (!next) return
    e.preventDefault()
    if (next !== view) onChange(next, true)
  }

  const full = isFullView(view)
  const pct = (f: number) => `${(f * 100).toFixed(4)}%`
  return (
    <div className="mm" data-testid="minimap">
      <canvas
        ref={canvasRef}
        className="mm-canvas"
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label="The whole trace in miniature"
      />
      <div
        className="mm-track"
        data-testid="minimap-track"
        role="slider"
        tabIndex={0}
        aria-label="Time window of the waterfall"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(view.start * 100)}
        aria-valuetext={`${formatDurationNs(view.start * total)} to ${formatDurationNs(view.end * total)}`}
        onKeyDown={onKeyDown}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onDoubleClick={() => onChange(FULL_VIEW, true)}
        title="Drag to zoom into a time range; double-click for the whole trace"
      >
        {!full && (
          <>
            <div className="mm-shade" style={{ left: 0, width: pct(view.start) }} />
            <div className="mm-shade" style={{ left: pct(view.end), right: 0 }} />
          </>
        )}
        <div
          className={`mm-window ${full ? 'is-full' : ''}`}
          data-testid="minimap-window"
          style={{ left: pct(view.start), width: pct(view.end - view.start) }}
        >
          <span className="mm-handle is-start" data-edge="start" />
          <span className="mm-handle is-end" data-edge="end" />
        </div>
      </div>
    </div>
  )
})
