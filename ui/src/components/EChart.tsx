import { BarChart, GraphChart, LineChart, ScatterChart } from 'echarts/charts'
import {
  BrushComponent,
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
  BrushComponent,
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
  /**
   * Makes a drag across the chart a brush (the option declares it, see logVolumeOption): called with the
   * brushed range in the x axis' coordinates (category indices on a category axis) when the drag ends.
   */
  onBrush?: (coordRange: [number, number]) => void
  label: string
  testId?: string
}

/**
 * The one bridge to echarts: init on mount, setOption on change, resize with the box, dispose on unmount.
 * Canvas renderer, so text drawn in the chart is never parsed as HTML; HTML tooltips escape their content
 * (lib/escape.ts).
 */
export function EChart({ option, height = 240, onClick, onBrush, label, testId }: Props) {
  const ref = useRef<HTMLDivElement>(null)
  const chartRef = useRef<echarts.ECharts | null>(null)
  const clickRef = useRef(onClick)
  clickRef.current = onClick
  const brushRef = useRef(onBrush)
  brushRef.current = onBrush

  useEffect(() => {
    const el = ref.current
    if (!el) return
    const chart = echarts.init(el, undefined, { renderer: 'canvas' })
    chartRef.current = chart
    chart.on('click', (p) => clickRef.current?.(p as unknown as EChartClick))
    chart.on('brushEnd', (p) => {
      const range = (p as { areas?: { coordRange?: unknown }[] }).areas?.[0]?.coordRange
      // The brush has done its job once reported: clear it after echarts is done with this event.
      queueMicrotask(() => chartRef.current?.dispatchAction({ type: 'brush', areas: [] }))
      if (Array.isArray(range) && range.length === 2) brushRef.current?.([Number(range[0]), Number(range[1])])
    })
    const ro = typeof ResizeObserver === 'undefined' ? undefined : new ResizeObserver(() => chart.resize())
    ro?.observe(el)
    return () => {
      ro?.disconnect()
      chart.dispose()
      chartRef.current = null
    }
  }, [])

  useEffect(() => {
    const chart = chartRef.current
    if (!chart) return
    chart.setOption(option, { notMerge: true })
    // Dragging draws the brush without first picking it from a toolbox.
    if (brushRef.current)
      chart.dispatchAction({
        type: 'takeGlobalCursor',
        key: 'brush',
        brushOption: { brushType: 'lineX', brushMode: 'single' },
      })
  }, [option])

  return (
    <div ref={ref} className="echart" style={{ height }} role="img" aria-label={label} data-testid={testId} />
  )
}
