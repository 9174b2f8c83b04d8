import { BarChart, GraphChart, LineChart, ScatterChart } from 'echarts/charts'
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { useEffect, useRef } from 'react'
import './EChart.css'

echarts.use([
  BarChart,
  GraphChart,
  LineChart,
  ScatterChart,
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
])

export type EChartOption = echarts.EChartsCoreOption
export type EChartClick = {
  dataIndex: number
  seriesIndex?: number
  data?: unknown
  dataType?: string
  name?: string
}

interface Props {
  option: EChartOption
  height?: number
  onClick?: (p: EChartClick) => void
  label: string
  testId?: string
}

/**
 * The one bridge to echarts: init on mount, setOption on change, resize with the box, dispose on unmount.
 * Canvas renderer, so text drawn in the chart is never parsed as HTML; HTML tooltips escape their content
 * (lib/escape.ts).
 */
export function EChart({ option, height = 240, onClick, label, testId }: Props) {
  const ref = useRef<HTMLDivElement>(null)
  const chartRef = useRef<echarts.ECharts | null>(null)
  const clickRef = useRef(onClick)
  clickRef.current = onClick

  useEffect(() => {
    const el = ref.current
    if (!el) return
    const chart = echarts.init(el, undefined, { renderer: 'canvas' })
    chartRef.current = chart
    chart.on('click', (p) => clickRef.current?.(p as unknown as EChartClick))
    const ro = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => chart.resize())
    ro?.observe(el)
    return () => {
      ro?.disconnect()
      chart.dispose()
      chartRef.current = null
    }
  }, [])

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: true })
  }, [option])

  return (
    <div ref={ref} className="echart" style={{ height }} role="img" aria-label={label} data-testid={testId} />
  )
}
