import { describe, expect, it } from 'vitest'
import type { TraceSummary } from '../api/types'
import {
  histogramOption,
  lineChartOption,
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
