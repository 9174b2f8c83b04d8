import { sparklinePath } from '../lib/sparkline'
import './Sparkline.css'

/** A small line of counts over time, drawn as SVG from numbers only. */
export function Sparkline({
  series,
  width = 120,
  height = 24,
  label,
}: {
  series: readonly number[]
  width?: number
  height?: number
  label: string
}) {
  // Inset by the stroke so that the top and bottom of the line are not cut.
  const d = sparklinePath(series, width - 2, height - 2)
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`-1 -1 ${width} ${height}`}
      role="img"
      aria-label={label}
    >
      <path d={d} />
    </svg>
  )
}
