/** renderTrace: the text call tree of `skein trace`, on partial traces and hostile text. */
import { describe, expect, it } from 'vitest'
import type { LogLine } from '../../src/cli/logs.js'
import { renderTrace, type TraceDoc, type TraceSpan } from '../../src/cli/trace.js'

const T = '1'.repeat(32)
const span = (
  spanId: string,
  parentSpanId: string,
  name: string,
  atMs: number,
  durationMs: number,
  extra: Partial<TraceSpan> = {},
): TraceSpan => ({
  spanId,
  parentSpanId,
  service: 'svc',
  name,
  kind: 'Server',
  startNs: (1_700_000_000_000_000_000n + BigInt(atMs * 1e6)).toString(),
  start: new Date(1_700_000_000_000 + atMs).toISOString(),
  durationMs,
  statusCode: 'Unset',
  statusMessage: '',
  ...extra,
})
const log = (spanId: string, body: string): LogLine => ({
  timestampNs: '1700000000001000000',
  timestamp: '2023-11-14T22:13:20.001Z',
  service: 'svc',
  severityText: 'INFO',
  body,
  traceId: T,
  spanId,
})

describe('the trace tree', () => {
  it('shows spans whose parent is missing as roots, and logs of unknown spans at the end', () => {
    const doc: TraceDoc = {
      traceId: T,
      spans: [span('a'.repeat(16), '', 'root', 0, 10), span('b'.repeat(16), 'f'.repeat(16), 'orphan', 20, 5)],
      logs: [log('c'.repeat(16), 'from elsewhere'), log('', 'no span')],
    }
    expect(renderTrace(doc).split('\n').slice(1)).toEqual([
      'svc  root  10.0ms  +0.00ms',
      'svc  orphan  5.00ms  +20.0ms',
      'logs of this trace not tied to one of its spans:',
      '  » svc 22:13:20.001 INFO  from elsewhere',
      '  » svc 22:13:20.001 INFO  no span',
    ])
  })

  it('never sends control characters from telemetry to the terminal', () => {
    const doc: TraceDoc = {
      traceId: T,
      spans: [
        span('a'.repeat(16), '', 'evil\u001b[2Jname', 0, 1, {
          statusCode: 'Error',
          statusMessage: 'line1\nline2',
        }),
      ],
      logs: [log('a'.repeat(16), 'bell\u0007')],
    }
    const out = renderTrace(doc)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/)
    expect(out).toContain('evil\\x1b[2Jname')
    expect(out).toContain('ERROR: line1\\nline2')
    expect(out).toContain('bell\\x07')
  })

  it('shows spans on a parent cycle in bad data once each, instead of dropping or looping', () => {
    const doc: TraceDoc = {
      traceId: T,
      spans: [
        span('a'.repeat(16), 'b'.repeat(16), 'x', 0, 1),
        span('b'.repeat(16), 'a'.repeat(16), 'y', 1, 1),
      ],
      logs: [],
    }
    const lines = renderTrace(doc).split('\n')
    expect(lines.slice(1)).toEqual(['svc  x  1.00ms  +0.00ms', '└─ svc  y  1.00ms  +1.00ms'])
  })
})
