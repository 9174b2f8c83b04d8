/**
 * Spans and log lines for tests of code that takes the API's answers (the span tree here, the UI's
 * waterfall and panels): whole, valid objects with the caller's ids and times.
 */
import type { LogRecord, Span } from './responses.js'

const TRACE = 't'.repeat(32)

const T0 = 1_700_000_000_000_000_000n

/** A span at `startMs` after a fixed epoch lasting `durationMs`; ids and strings are the caller's. */
export function span(
  spanId: string,
  parentSpanId: string,
  startMs: number,
  durationMs: number,
  extra: Partial<Span> = {},
): Span {
  const startNs = T0 + BigInt(Math.round(startMs * 1e6))
  return {
    traceId: TRACE,
    spanId,
    parentSpanId,
    service: 'svc',
    name: `op-${spanId}`,
    kind: 'Internal',
    startNs: startNs.toString(),
    start: new Date(Number(startNs / 1_000_000n)).toISOString(),
    durationNs: String(Math.round(durationMs * 1e6)),
    durationMs,
    statusCode: 'Unset',
    statusMessage: '',
    attributes: {},
    resource: {},
    scope: { name: '', version: '' },
    traceState: '',
    events: [],
    links: [],
    ...extra,
  }
}

export function log(spanId: string, atMs: number, body: string, extra: Partial<LogRecord> = {}): LogRecord {
  const ns = T0 + BigInt(Math.round(atMs * 1e6))
  return {
    timestampNs: ns.toString(),
    timestamp: new Date(Number(ns / 1_000_000n)).toISOString(),
    service: 'svc',
    severityText: 'INFO',
    severityNumber: 9,
    body,
    traceId: TRACE,
    spanId,
    traceFlags: 1,
    attributes: {},
    resource: {},
    ...extra,
  }
}

/** A wide, shallow trace of `n` spans: a root, then chains of 10 under it, staggered in time. */
export function bigTrace(n: number): Span[] {
  const spans: Span[] = [span('root', '', 0, n)]
  for (let i = 1; i < n; i++) {
    const parent = i % 10 === 1 ? 'root' : `s${i - 1}`
    spans.push(span(`s${i}`, parent, i * 0.5, 5, { service: `svc-${i % 7}` }))
  }
  return spans
}
