import { useMemo } from 'react'
import type { LogVolumeAnswer, TimeRange } from '../api/types'
import { logVolumeOption } from '../lib/charts'
import { LEVEL_COLORS } from '../lib/colors'
import { brushedRange, VOLUME_LEVELS, volumeTotals } from '../lib/logVolume'
import { EChart } from './EChart'
import './LogVolumeChart.css'

/**
 * Lines over the time range as bars stacked by level, with each level's total beside them (the sums of
 * the bars). Dragging across the bars zooms the page to the brushed buckets.
 */
export function LogVolumeChart({
  answer,
  bounds,
  onZoom,
}: {
  answer: LogVolumeAnswer
  /** The range shown, Unix ms: a zoom stays inside it. */
  bounds: [number, number]
  onZoom: (range: TimeRange) => void
}) {
  const option = useMemo(() => logVolumeOption(answer.buckets, answer.step), [answer])
  const totals = useMemo(() => volumeTotals(answer.buckets), [answer])
  const shown = VOLUME_LEVELS.filter((l) => totals[l] > 0)
  return (
    <div className="lvol" data-testid="log-volume">
      <div className="lvol-legend">
        {shown.map((level) => (
          <span key={level} className="lvol-total" data-testid="volume-total" data-level={level}>
            <span className="lvol-swatch" style={{ background: LEVEL_COLORS[level] }} />
            {level} <b data-testid="volume-total-count">{totals[level].toLocaleString('en-US')}</b>
          </span>
        ))}
        <span className="hint lvol-hint">Drag across the bars to zoom in</span>
      </div>
      <EChart
        option={option}
        height={150}
        label="Log lines over time by level"
        testId="log-volume-chart"
        onBrush={(indices) => {
          const range = brushedRange(answer.buckets, answer.stepMs, indices, bounds)
          if (range) onZoom(range)
        }}
      />
    </div>
  )
}
