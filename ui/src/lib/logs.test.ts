import { buildSpanTree } from '@skein/model/tree'
import { describe, expect, it } from 'vitest'
import { log, span } from '../testing/spans'
import { levelOf } from './levels'
import { mapLogsToSpans } from './logs'

describe('mapLogsToSpans', () => {
  const tree = buildSpanTree([span('a', '', 0, 100), span('b', 'a', 50, 50)])

  it('orders logs by time and indexes them by the span that wrote them', () => {
    const m = mapLogsToSpans(tree, [log('b', 60, 'second'), log('a', 10, 'first'), log('b', 90, 'third')])
    expect(m.logs.map((l) => l.log.body)).toEqual(['first', 'second', 'third'])
    expect(m.bySpan.get('b')).toEqual([1, 2])
    expect(m.bySpan.get('a')).toEqual([0])
  })

  it('puts a marker at the log time on its span bar', () => {
    const m = mapLogsToSpans(tree, [log('b', 75, 'x', { severityNumber: 17, severityText: 'ERROR' })])
    expect(m.markers.get('b')).toEqual([{ fraction: 0.75, level: 'error', logIndex: 0 }])
  })

  it('keeps logs whose span is not in the trace, without a span', () => {
    const m = mapLogsToSpans(tree, [log('nope', 5, 'orphan'), log('', 6, 'no span')])
    expect(m.logs.map((l) => l.spanNodeId)).toEqual([undefined, undefined])
    expect(m.markers.size).toBe(0)
  })

  it('moves a log with its span when the span was corrected for clock skew', () => {
    const skewed = buildSpanTree([
      span('a', '', 100, 100, { service: 'x' }),
      span('b', 'a', 0, 50, { service: 'y' }),
    ])
    const m = mapLogsToSpans(skewed, [log('b', 10, 'inside b')])
    const b = skewed.byId.get('b')!
    expect(m.logs[0].offsetNs).toBe(b.startNs + 10e6)
  })
})

describe('levelOf', () => {
  it('reads OpenTelemetry severity bands', () => {
    expect(levelOf(9)).toBe('info')
    expect(levelOf(13)).toBe('warn')
    expect(levelOf(21)).toBe('fatal')
  })

  it('falls back to the text when the number is missing', () => {
    expect(levelOf(0, 'warning')).toBe('warn')
    expect(levelOf(undefined, 'bogus')).toBe('unknown')
  })
})
