import { type PointerEvent, useMemo, useRef, useState } from 'react'
import { type Band, bandFractions, bandFromDrag, durationHistogram } from '../lib/compare'
import { formatDurationMs } from '../lib/format'
import './DurationBand.css'

/**
 * The distribution of the listed traces' durations, on which a band is dragged (or "errors" picked) to
 * ask what sets those requests apart. Pure layout in lib/compare.ts; this only tracks the pointer.
 */
export function DurationBand({
  durationsMs,
  band,
  onBand,
}: {
  durationsMs: readonly number[]
  band: Band | undefined
  onBand: (band: Band | undefined) => void
}) {
  const hist = useMemo(() => durationHistogram(durationsMs), [durationsMs])
  const top = Math.max(1, ...hist.counts)
  const ref = useRef<HTMLDivElement>(null)
  const [drag, setDrag] = useState<{ x0: number; x1: number } | undefined>()
  const x = (e: PointerEvent) => e.clientX - (ref.current?.getBoundingClientRect().left ?? 0)
  const width = () => ref.current?.clientWidth ?? 0

  const shown = drag
    ? bandFromDrag(drag.x0, drag.x1, width(), hist.maxMs)
    : band !== 'errors'
      ? band
      : undefined
  const [l, r] = shown && shown !== 'errors' ? bandFractions(shown, hist.maxMs) : [0, 0]

  return (
    <div className="dband">
      <div className="dband-head">
        <span className="muted">Drag across the durations to compare those requests with the others, or</span>
        <button
          type="button"
          className={`btn btn-sm ${band === 'errors' ? 'btn-on' : ''}`}
          data-testid="compare-errors"
          onClick={() => onBand(band === 'errors' ? undefined : 'errors')}
        >
          compare errors
        </button>
        {band && (
          <button
            type="button"
            className="btn btn-sm"
            data-testid="compare-clear"
            onClick={() => onBand(undefined)}
          >
            Clear
          </button>
        )}
      </div>
      <div
        ref={ref}
        className="dband-chart"
        data-testid="duration-band"
        role="slider"
        aria-label="Duration band to compare"
        aria-valuemin={0}
        aria-valuemax={hist.maxMs}
        aria-valuenow={shown && shown !== 'errors' ? shown.minMs : 0}
        aria-valuetext={shown && shown !== 'errors' ? `${shown.minMs}–${shown.maxMs} ms` : 'none'}
        tabIndex={0}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId)
          setDrag({ x0: x(e), x1: x(e) })
        }}
        onPointerMove={(e) => drag && setDrag({ ...drag, x1: x(e) })}
        onPointerUp={(e) => {
          if (!drag) return
          const picked = bandFromDrag(drag.x0, x(e), width(), hist.maxMs)
          setDrag(undefined)
          if (picked) onBand(picked)
        }}
      >
        {hist.counts.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: buckets are positions
          <div key={i} className="dband-bucket" style={{ height: `${(c / top) * 100}%` }} />
        ))}
        {shown && shown !== 'errors' && (
          <div
            className="dband-sel"
            data-testid="duration-band-selection"
            style={{ left: `${l * 100}%`, width: `${(r - l) * 100}%` }}
          />
        )}
      </div>
      <div className="dband-axis muted">
        <span>0</span>
        {shown && shown !== 'errors' ? (
          <span data-testid="duration-band-label">
            {formatDurationMs(shown.minMs)} – {formatDurationMs(shown.maxMs)}
          </span>
        ) : (
          <span />
        )}
        <span>{formatDurationMs(hist.maxMs)}</span>
      </div>
    </div>
  )
}
