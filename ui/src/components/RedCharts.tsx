import { useMemo } from 'react'
import type { RedSeries } from '../api/types'
import { lineChartOption } from '../lib/charts'
import { formatCount, formatDurationMs, formatPercent } from '../lib/format'
import { EChart } from './EChart'
import './RedCharts.css'

/** Requests, error rate and latency over time for one service (or operation): the RED method. */
export function RedCharts({
  series,
  xRange,
  compact = false,
}: {
  series: RedSeries
  xRange?: [number, number]
  compact?: boolean
}) {
  const options = useMemo(() => {
    const pts = series.points.map((p) => ({ ...p, ms: Date.parse(p.t) })).filter((p) => !Number.isNaN(p.ms))
    const at = (f: (p: (typeof pts)[number]) => number | null) =>
      pts.map((p) => [p.ms, f(p)] as [number, number | null])
    const requests = lineChartOption(
      compact
        ? [{ name: 'requests', color: '#4f46e5', points: at((p) => p.requests), area: true }]
        : [
            { name: 'requests', color: '#4f46e5', points: at((p) => p.requests), area: true },
            { name: 'errors', color: '#dc2626', points: at((p) => p.errors) },
          ],
      (v) => formatCount(v),
      xRange,
    )
    const errors = lineChartOption(
      [{ name: 'error rate', color: '#dc2626', points: at((p) => p.errorRate), area: true }],
      (v) => formatPercent(v),
      xRange,
    )
    const latency = lineChartOption(
      compact
        ? [{ name: 'p95', color: '#0891b2', points: at((p) => p.p95Ms) }]
        : [
            { name: 'p50', color: '#059669', points: at((p) => p.p50Ms) },
            { name: 'p95', color: '#0891b2', points: at((p) => p.p95Ms) },
            { name: 'p99', color: '#7c3aed', points: at((p) => p.p99Ms) },
          ],
      (v) => formatDurationMs(v),
      xRange,
    )
    return { requests, errors, latency }
  }, [series, xRange, compact])
  const h = compact ? 130 : 220
  return (
    <div className="red" data-testid="red-charts">
      <div className="red-chart">
        <h3>Requests / {series.step}</h3>
        <EChart option={options.requests} height={h} label="Requests over time" />
      </div>
      <div className="red-chart">
        <h3>Error rate</h3>
        <EChart option={options.errors} height={h} label="Error rate over time" />
      </div>
      <div className="red-chart">
        <h3>{compact ? 'Latency p95' : 'Latency'}</h3>
        <EChart option={options.latency} height={h} label="Latency over time" />
      </div>
    </div>
  )
}
