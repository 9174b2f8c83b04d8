/**
 * A trace past the whole form's bounds (MAX_TRACE_SPANS, MAX_TRACE_LOGS): the rows are read unordered
 * with a LIMIT one past the bound, so a trace that reaches it is read again in order — its first spans
 * and lines by time, not an arbitrary subset. Written straight into an own store (INSERT … SELECT):
 * 100,000 spans through the collector would only make the test slow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openOwnStore } from '../../../test/helpers/store.js'
import { createDb, type Db } from '../../src/query/db.js'
import { getTrace, getTraceSpan, MAX_TRACE_LOGS, MAX_TRACE_SPANS } from '../../src/query/trace.js'
import type { Storage } from '../../src/storage/storage.js'

const TRACE = 'ab'.repeat(16)
const START_S = Math.floor(Date.now() / 1000) - 600
let own: Storage
let db: Db

beforeAll(async () => {
  own = await openOwnStore('skein-limits-')
  db = createDb(own.queryClients, own.table, 60_000, { sessionSettings: true })
  // Span n starts n µs after the trace's start; inserted newest first, so storage order is not time order.
  const extra = 10
  await own.ingest.command({
    query: `INSERT INTO otel.otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, ServiceName, Duration)
      SELECT toDateTime64(${START_S}, 9) + toIntervalMicrosecond(n), '${TRACE}', leftPad(lower(hex(toUInt64(n + 1))), 16, '0'),
        if(n = 0, '', leftPad('1', 16, '0')), concat('op-', toString(n % 7)), 'svc', 1000
      FROM (SELECT ${MAX_TRACE_SPANS + extra} - 1 - number AS n FROM numbers(${MAX_TRACE_SPANS + extra}))`,
  })
  await own.ingest.command({
    query: `INSERT INTO otel.otel_logs (Timestamp, TraceId, SpanId, ServiceName, Body)
      SELECT toDateTime64(${START_S}, 9) + toIntervalMicrosecond(n), '${TRACE}', leftPad('1', 16, '0'), 'svc',
        concat('line ', toString(n))
      FROM (SELECT ${MAX_TRACE_LOGS + extra} - 1 - number AS n FROM numbers(${MAX_TRACE_LOGS + extra}))`,
  })
}, 120_000)
afterAll(async () => {
  await own?.close()
})

describe('a trace longer than the whole form holds', () => {
  it('is its first spans and lines by time, in order, marked truncated', async () => {
    const t = await getTrace(db, TRACE)
    expect(t.truncated).toBe(true)
    expect(t.spans).toHaveLength(MAX_TRACE_SPANS)
    expect(t.logs).toHaveLength(MAX_TRACE_LOGS)
    const first = BigInt(START_S) * 1_000_000_000n
    expect(t.spans.map((s) => BigInt(s.startNs) - first)).toEqual(
      Array.from({ length: MAX_TRACE_SPANS }, (_, n) => BigInt(n) * 1000n),
    )
    expect(t.logs.map((l) => l.body)).toEqual(Array.from({ length: MAX_TRACE_LOGS }, (_, n) => `line ${n}`))
  }, 60_000)

  it('still shows one of its spans whole, with that span’s lines', async () => {
    const one = await getTraceSpan(db, TRACE, (3).toString(16).padStart(16, '0'))
    expect(one.spans.map((s) => [s.name, s.parentSpanId])).toEqual([['op-2', '1'.padStart(16, '0')]])
    expect(one.logs).toEqual([])
  })
})
