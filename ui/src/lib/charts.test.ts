import { describe, expect, it } from 'vitest'
import type { TraceSummary } from '../api/types'
import {
  histogramOption,
  lineChartOption,
  logVolumeOption,
  needsSymbols,
  serviceGraphOption,
  traceScatterOption,
} from './charts'

const hostile = '<img src=x onerror=alert(1)>'

const trace: TraceSummary = {
  traceId: 'a'.repeat(32),
  rootService: hostile,
  rootName: hostile,
  startNs: '1700000000000000000',
  start: '2023-11-14T22:13:20.000Z',
  durationNs: '12000000',
  durationMs: 12,
  spanCount: 3,
  errorCount: 1,
  services: [hostile],
}

describe('chart tooltips', () => {
  it('escape a hostile service and operation name in the trace scatter', () => {
    const option = traceScatterOption([trace])
    const point = option.series[1].data[0]
    expect(point.traceId).toBe(trace.traceId)
    const html = option.tooltip.formatter({ data: point })
    expect(html).not.toContain('<img')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })

  it('escape series names in line charts', () => {
    const option = lineChartOption([{ name: hostile, color: '#000', points: [[0, 1]] }], String)
    const html = option.tooltip.formatter([{ seriesName: hostile, value: [0, 1] }])
    expect(html).not.toContain('<img')
  })

  it('escape service names on the service map, for nodes and edges', () => {
    const edge = { parent: hostile, child: 'b', callCount: 10, errorCount: 1, errorRate: 0.1 }
    const option = serviceGraphOption([edge], 60)
    const f = option.tooltip.formatter
    expect(f({ dataType: 'node', data: { name: hostile } })).not.toContain('<img')
    expect(f({ dataType: 'edge', data: { edge } })).not.toContain('<img')
  })

  it('label histogram buckets with their duration range', () => {
    const option = histogramOption([{ from: 0, to: 10, count: 4 }])
    expect(option.tooltip.formatter({ dataIndex: 0 })).toContain('0 – 10 ms')
  })
})

describe('line chart symbols', () => {
  // Regression: a service's p95 chart stayed empty when its only request sat between empty buckets.
  it('are shown when a value stands alone between gaps, or there are too few points for a line', () => {
    expect(
      needsSymbols([
        [0, null],
        [1, 120],
        [2, null],
        [3, null],
      ]),
    ).toBe(true)
    expect(
      needsSymbols([
        [0, 1],
        [1, 2],
      ]),
    ).toBe(true)
    expect(
      needsSymbols([
        [0, 1],
        [1, 2],
        [2, null],
        [3, 4],
        [4, 5],
      ]),
    ).toBe(false)
  })
})

describe('the log volume chart', () => {
  const zero = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 }
  const T0 = Date.UTC(2025, 0, 1, 12, 0, 0)
  const buckets = [
    { t: new Date(T0).toISOString(), tMs: T0, total: 4, counts: { ...zero, info: 3, error: 1 } },
    { t: new Date(T0 + 60_000).toISOString(), tMs: T0 + 60_000, total: 0, counts: zero },
    { t: new Date(T0 + 120_000).toISOString(), tMs: T0 + 120_000, total: 2, counts: { ...zero, warn: 2 } },
  ]

  it('stacks one series per level that has lines, least severe at the bottom, one bar a bucket', () => {
    const option = logVolumeOption(buckets, '1m')
    expect(option.series.map((s) => s.name)).toEqual(['info', 'warn', 'error'])
    expect(option.series.every((s) => s.stack === 'lines' && s.type === 'bar')).toBe(true)
    expect(option.series[0].data).toEqual([3, 0, 0])
    expect(option.xAxis.data).toHaveLength(3)
    expect(option.brush).toMatchObject({ xAxisIndex: 0, brushType: 'lineX', brushMode: 'single' })
  })

  it('labels buckets by minute, by second when they are shorter, with the day over more than a day', () => {
    expect(logVolumeOption(buckets, '1m').xAxis.data[0]).toMatch(/^\d\d:\d\d$/)
    const short = buckets.map((b, i) => ({ ...b, tMs: T0 + i * 10_000 }))
    expect(logVolumeOption(short, '10s').xAxis.data[0]).toMatch(/^\d\d:\d\d:\d\d$/)
    const long = buckets.map((b, i) => ({ ...b, tMs: T0 + i * 86_400_000 }))
    expect(logVolumeOption(long, '1d').xAxis.data[0]).toMatch(/^\d\d-\d\d \d\d:\d\d$/)
  })

  it('escapes what its tooltip shows', () => {
    const option = logVolumeOption(buckets, '<b>1m</b>')
    const html = option.tooltip.formatter([{ dataIndex: 0 }])
    expect(html).not.toContain('<b>1m')
    expect(html).toContain('&lt;b&gt;1m')
    expect(html).toContain('info')
    expect(option.tooltip.formatter([{ dataIndex: 9 }])).toBe('')
  })
})
