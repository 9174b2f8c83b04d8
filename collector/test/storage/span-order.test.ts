import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openOwnStore } from '../../../test/helpers/store.js'
import type { Storage } from '../../src/storage/storage.js'

/** A store of its own (chDB opens one data dir per process): the other schema tests count their rows. */
let own: Storage
beforeAll(async () => {
  own = await openOwnStore('skein-order-')
})
afterAll(async () => {
  await own?.close()
})

describe("the span table's order (schema.ts SPAN_ORDER_BY)", () => {
  it("finds a trace's spans on the sorting key: one granule, where the exporter's order needs one per operation", async () => {
    // 20,480 spans, 2,048 traces of 10 spans over 20 services × 10 operations in one
    // ten-minute bucket, so that the exporter's order would put a trace's spans in about ten granules.
    const bucket = Math.floor(Date.now() / 600_000) * 600
    const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')
    const values = Array.from({ length: 20_480 }, (_, n) => {
      const t = n % 2048
      const k = Math.floor(n / 2048)
      return {
        Timestamp: `${bucket + (n % 500)}00000000${k}`, // ns
        TraceId: hex(t * 7919 + 1, 32),
        SpanId: hex(n + 1, 16),
        SpanName: `op-${(t + k) % 10}`,
        ServiceName: `svc-${(t * 3 + k) % 20}`,
      }
    })
    await own.ingest.insert({ table: 'otel.otel_traces', values, format: 'JSONEachRow' })
    const traceId = hex(1234 * 7919 + 1, 32)
    const explain = await own.query.query({
      query: `EXPLAIN indexes = 1 SELECT SpanId FROM otel.otel_traces WHERE TraceId = {id:String}
        AND Timestamp >= toDateTime64(${bucket}, 9) AND Timestamp < toDateTime64(${bucket + 600}, 9)`,
      query_params: { id: traceId },
      format: 'TabSeparatedRaw',
    })
    const plan = await explain.text()
    // The primary key's section, before the skip indexes': granules selected / granules in the part.
    const primary = /PrimaryKey[\s\S]*?Granules: (\d+)\/(\d+)/.exec(plan)
    expect(Number(primary?.[2])).toBeGreaterThanOrEqual(20)
    expect(Number(primary?.[1])).toBe(1)
    const rs = await own.query.query({
      query: 'SELECT count() AS n FROM otel.otel_traces WHERE TraceId = {id:String}',
      query_params: { id: traceId },
      format: 'JSONEachRow',
    })
    expect((await rs.json()).map((r) => Number((r as { n: number | string }).n))).toEqual([10])
  })
})
