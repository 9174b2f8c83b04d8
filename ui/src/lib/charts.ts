import type { DependencyEdge, LogVolumeBucket, TraceSummary } from '../api/types'
import { LEVEL_COLORS, serviceColor } from './colors'
import { tooltipHtml } from './escape'
import { formatCount, formatDateTime, formatDurationMs, formatPercent, formatRate } from './format'
import type { Bucket } from './histogram'
import { VOLUME_LEVELS } from './logVolume'

/**
 * echarts option builders. Pure, so the one rule that matters here is testable: every tooltip goes through
 * a formatter that escapes telemetry (echarts puts tooltip HTML into the page with innerHTML).
 */

const FONT = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
const AXIS = { lineColor: '#cfd4dc', label: '#7b8494', split: '#eef0f3' }

const tooltipBase = {
  confine: true,
  backgroundColor: '#ffffff',
  borderColor: '#e3e6eb',
  borderWidth: 1,
  padding: [6, 10],
  textStyle: { color: '#161b26', fontSize: 12, fontFamily: FONT },
  extraCssText: 'box-shadow: 0 8px 24px rgba(16,24,40,0.12); border-radius: 6px;',
}

const timeAxis = {
  type: 'time',
  axisLine: { lineStyle: { color: AXIS.lineColor } },
  axisLabel: { color: AXIS.label, fontSize: 11, hideOverlap: true },
  splitLine: { show: false },
}

function valueAxis(format: (v: number) => string) {
  return {
    type: 'value',
    axisLabel: { color: AXIS.label, fontSize: 11, formatter: (v: number) => format(v) },
    splitLine: { lineStyle: { color: AXIS.split } },
  }
}

export interface LineSeries {
  name: string
  color: string
  /** null: no value at that time (a bucket without requests), drawn as a gap. */
  points: Array<[number, number | null]>
  area?: boolean
}

/**
 * True when a plain line would hide a value: too few points to draw a line, or a value standing alone
 * between gaps (RED percentiles are null in empty buckets), which echarts draws as nothing at all.
 */
export function needsSymbols(points: ReadonlyArray<readonly [number, number | null]>): boolean {
  if (points.length < 3) return true
  const gap = (i: number) => i < 0 || i >= points.length || points[i][1] == null
  for (let i = 0; i < points.length; i++) if (!gap(i) && gap(i - 1) && gap(i + 1)) return true
  return false
}

/** A time series chart; `format` renders the y values (durations, percentages, counts). */
export function lineChartOption(
  series: LineSeries[],
  format: (v: number) => string,
  xRange?: [number, number],
) {
  return {
    animation: false,
    textStyle: { fontFamily: FONT },
    grid: { left: 56, right: 16, top: series.length > 1 ? 28 : 12, bottom: 28 },
    legend:
      series.length > 1
        ? { top: 0, right: 8, itemWidth: 12, itemHeight: 8, textStyle: { fontSize: 11 } }
        : undefined,
    tooltip: {
      ...tooltipBase,
      trigger: 'axis',
      formatter: (params: Array<{ seriesName: string; value: [number, number] }>) => {
        const first = params[0]
        if (!first) return ''
        return tooltipHtml(
          formatDateTime(new Date(first.value[0])),
          params.map((p) => [p.seriesName, format(p.value[1])]),
        )
      },
    },
    xAxis: { ...timeAxis, min: xRange?.[0], max: xRange?.[1] },
    yAxis: valueAxis(format),
    series: series.map((s) => ({
      name: s.name,
      type: 'line',
      showSymbol: needsSymbols(s.points),
      symbolSize: 5,
      lineStyle: { width: 1.6, color: s.color },
      itemStyle: { color: s.color },
      areaStyle: s.area ? { color: s.color, opacity: 0.08 } : undefined,
      data: s.points,
    })),
  }
}

export interface ScatterDatum {
  value: [number, number]
  traceId: string
}

/** Trace duration over time; errors in red. Each point carries its trace id so a click opens it. */
export function traceScatterOption(traces: readonly TraceSummary[], xRange?: [number, number]) {
  const ok: Array<ScatterDatum & { t: TraceSummary }> = []
  const bad: Array<ScatterDatum & { t: TraceSummary }> = []
  for (const t of traces) {
    const ms = Date.parse(t.start)
    const d = { value: [ms, t.durationMs] as [number, number], traceId: t.traceId, t }
    ;(t.errorCount > 0 ? bad : ok).push(d)
  }
  const symbolSize = (_: unknown, p: { data: { t: TraceSummary } }) =>
    Math.max(6, Math.min(18, 4 + Math.log2(1 + (p.data.t.spanCount || 1)) * 1.6))
  return {
    animation: false,
    textStyle: { fontFamily: FONT },
    grid: { left: 64, right: 16, top: 16, bottom: 28 },
    tooltip: {
      ...tooltipBase,
      trigger: 'item',
      formatter: (p: { data: { t: TraceSummary } }) => {
        const t = p.data.t
        return tooltipHtml(`${t.rootService}: ${t.rootName}`, [
          ['duration', formatDurationMs(t.durationMs)],
          ['spans', String(t.spanCount)],
          ['errors', String(t.errorCount)],
          ['start', formatDateTime(new Date(t.start))],
        ])
      },
    },
    xAxis: { ...timeAxis, min: xRange?.[0], max: xRange?.[1] },
    yAxis: valueAxis((v) => formatDurationMs(v)),
    series: [
      {
        name: 'ok',
        type: 'scatter',
        data: ok,
        symbolSize,
        itemStyle: { color: '#4f46e5', opacity: 0.65 },
        cursor: 'pointer',
      },
      {
        name: 'error',
        type: 'scatter',
        data: bad,
        symbolSize,
        itemStyle: { color: '#dc2626', opacity: 0.8 },
        cursor: 'pointer',
      },
    ],
  }
}

export function histogramOption(buckets: readonly Bucket[]) {
  return {
    animation: false,
    textStyle: { fontFamily: FONT },
    grid: { left: 48, right: 16, top: 12, bottom: 40 },
    tooltip: {
      ...tooltipBase,
      trigger: 'item',
      formatter: (p: { dataIndex: number }) => {
        const b = buckets[p.dataIndex]
        if (!b) return ''
        return tooltipHtml(`${formatDurationMs(b.from)} – ${formatDurationMs(b.to)}`, [
          ['spans', String(b.count)],
        ])
      },
    },
    xAxis: {
      type: 'category',
      data: buckets.map((b) => formatDurationMs(b.from)),
      axisLabel: { color: AXIS.label, fontSize: 11, hideOverlap: true },
      axisLine: { lineStyle: { color: AXIS.lineColor } },
    },
    yAxis: valueAxis((v) => formatCount(v)),
    series: [
      {
        type: 'bar',
        data: buckets.map((b) => b.count),
        barCategoryGap: '8%',
        itemStyle: { color: '#4f46e5', borderRadius: [3, 3, 0, 0] },
      },
    ],
  }
}

/**
 * `14:05`; `14:05:30` for buckets under a minute; `03-04 14:05` when they span more than a day (local
 * time, like the rest of the UI).
 */
function bucketLabel(ms: number, opts: { multiDay: boolean; seconds: boolean }): string {
  const d = new Date(ms)
  const p = (n: number) => String(n).padStart(2, '0')
  const time = `${p(d.getHours())}:${p(d.getMinutes())}${opts.seconds ? `:${p(d.getSeconds())}` : ''}`
  return opts.multiDay ? `${p(d.getMonth() + 1)}-${p(d.getDate())} ${time}` : time
}

/**
 * Log lines per bucket as bars stacked by level (least severe at the bottom; levels with no line in the
 * range are left out), on a category axis so that bars tile the range, with a horizontal brush: the
 * brushed category indices go to `brushedRange` (logVolume.ts).
 */
export function logVolumeOption(buckets: readonly LogVolumeBucket[], step: string) {
  const levels = VOLUME_LEVELS.filter((l) => buckets.some((b) => b.counts[l] > 0))
  const first = buckets[0]?.tMs ?? 0
  const last = buckets[buckets.length - 1]?.tMs ?? 0
  const labels = {
    multiDay: last - first >= 86_400_000,
    seconds: buckets.length > 1 && buckets[1].tMs - buckets[0].tMs < 60_000,
  }
  return {
    animation: false,
    textStyle: { fontFamily: FONT },
    grid: { left: 48, right: 16, top: 12, bottom: 28 },
    tooltip: {
      ...tooltipBase,
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: Array<{ dataIndex: number }>) => {
        const b = buckets[params[0]?.dataIndex ?? -1]
        if (!b) return ''
        const rows = levels.filter((l) => b.counts[l] > 0).map((l) => [l, formatCount(b.counts[l])] as const)
        return tooltipHtml(`${formatDateTime(new Date(b.tMs))} · ${step}`, [
          ...[...rows].reverse(),
          ['lines', formatCount(b.total)],
        ])
      },
    },
    brush: {
      xAxisIndex: 0,
      brushType: 'lineX',
      brushMode: 'single',
      transformable: false,
      removeOnClick: true,
      brushStyle: { color: 'rgba(79, 70, 229, 0.12)', borderColor: 'rgba(79, 70, 229, 0.6)', borderWidth: 1 },
    },
    xAxis: {
      type: 'category',
      data: buckets.map((b) => bucketLabel(b.tMs, labels)),
      axisLabel: { color: AXIS.label, fontSize: 11, hideOverlap: true },
      axisLine: { lineStyle: { color: AXIS.lineColor } },
      axisTick: { show: false },
    },
    yAxis: { ...valueAxis((v) => formatCount(v)), minInterval: 1 },
    series: levels.map((level) => ({
      name: level,
      type: 'bar',
      stack: 'lines',
      barCategoryGap: '12%',
      itemStyle: { color: LEVEL_COLORS[level] },
      emphasis: { disabled: true },
      data: buckets.map((b) => b.counts[level]),
    })),
  }
}

/** Error-rate colour for edges: grey when clean, amber, then red. */
export function errorRateColor(rate: number): string {
  if (rate >= 0.05) return '#dc2626'
  if (rate > 0) return '#d97706'
  return '#9aa3b2'
}

export function serviceGraphOption(edges: readonly DependencyEdge[], windowMinutes: number) {
  const calls = new Map<string, { in: number; out: number; errors: number }>()
  const bump = (name: string) => {
    let c = calls.get(name)
    if (!c) {
      c = { in: 0, out: 0, errors: 0 }
      calls.set(name, c)
    }
    return c
  }
  for (const e of edges) {
    bump(e.parent).out += e.callCount
    const child = bump(e.child)
    child.in += e.callCount
    child.errors += e.errorCount
  }
  const max = Math.max(1, ...[...calls.values()].map((c) => c.in + c.out))
  const perMin = (n: number) => (windowMinutes > 0 ? n / windowMinutes : n)
  return {
    animation: false,
    textStyle: { fontFamily: FONT },
    tooltip: {
      ...tooltipBase,
      trigger: 'item',
      formatter: (p: {
        dataType: string
        data: { name?: string; source?: string; target?: string; edge?: DependencyEdge }
      }) => {
        if (p.dataType === 'edge' && p.data.edge) {
          const e = p.data.edge
          return tooltipHtml(`${e.parent} → ${e.child}`, [
            ['calls', formatCount(e.callCount)],
            ['rate', `${formatRate(perMin(e.callCount))}/min`],
            [
              'errors',
              `${formatCount(e.errorCount)} (${formatPercent(e.callCount ? e.errorCount / e.callCount : 0)})`,
            ],
          ])
        }
        const name = p.data.name ?? ''
        const c = calls.get(name)
        return tooltipHtml(name, [
          ['calls in', formatCount(c?.in ?? 0)],
          ['calls out', formatCount(c?.out ?? 0)],
          ['errors in', formatCount(c?.errors ?? 0)],
        ])
      },
    },
    series: [
      {
        type: 'graph',
        layout: 'force',
        roam: true,
        draggable: true,
        force: { repulsion: 420, edgeLength: [120, 220], gravity: 0.08 },
        edgeSymbol: ['none', 'arrow'],
        edgeSymbolSize: 8,
        label: { show: true, position: 'bottom', fontSize: 12, color: '#161b26' },
        edgeLabel: {
          show: true,
          fontSize: 10,
          color: '#475063',
          formatter: (p: { data: { edge: DependencyEdge } }) => {
            const e = p.data.edge
            const rate = e.callCount ? e.errorCount / e.callCount : 0
            const calls =
              perMin(e.callCount) >= 0.1
                ? `${formatRate(perMin(e.callCount))}/min`
                : `${formatCount(e.callCount)} calls`
            return `${calls}${rate > 0 ? ` · ${formatPercent(rate)} err` : ''}`
          },
        },
        data: [...calls.entries()].map(([name, c]) => ({
          name,
          symbolSize: 18 + 26 * Math.sqrt((c.in + c.out) / max),
          itemStyle: {
            color: serviceColor(name),
            borderColor: c.errors > 0 ? '#dc2626' : '#fff',
            borderWidth: 2,
          },
        })),
        links: edges.map((e) => {
          const rate = e.callCount ? e.errorCount / e.callCount : 0
          return {
            source: e.parent,
            target: e.child,
            edge: e,
            lineStyle: {
              color: errorRateColor(rate),
              width: 1 + Math.min(5, Math.log10(1 + e.callCount)),
              curveness: edges.some((o) => o.parent === e.child && o.child === e.parent) ? 0.2 : 0.05,
              opacity: 0.9,
            },
          }
        }),
      },
    ],
  }
}
