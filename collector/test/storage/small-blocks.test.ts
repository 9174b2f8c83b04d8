import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openOwnStore } from '../../../test/helpers/store.js'
import { COMPRESS_BLOCKS } from '../../src/storage/schema.js'
import type { Storage } from '../../src/storage/storage.js'

/**
 * A store of its own: chDB opens one data dir per process, and the engine's event counters read here are
 * the process's (one insert, one part: no merge reads behind the test's back).
 */
let own: Storage
beforeAll(async () => {
  own = await openOwnStore('skein-blocks-')
})
afterAll(async () => {
  await own?.close()
})

const rows = async <T>(query: string, params: Record<string, unknown> = {}) =>
  (await (await own.query.query({ query, query_params: params, format: 'JSONEachRow' })).json()) as T[]

/** Bytes the engine has decompressed in this process so far. */
const decompressed = async () =>
  Number(
    (
      await rows<{ value: string }>(
        "SELECT value FROM system.events WHERE event = 'CompressedReadBufferBytes'",
      )
    )[0]?.value ?? 0,
  )

describe('the telemetry tables’ compression blocks (schema.ts COMPRESS_BLOCKS, migrations 9 and 11)', () => {
  it('are 16 KB on the span table, 4 KB on the trace-id and log tables', async () => {
    const settings = await rows<{ name: string; engine_full: string }>(
      "SELECT name, engine_full FROM system.tables WHERE database = 'otel'",
    )
    const block = (name: string) =>
      /min_compress_block_size = (\d+)/.exec(settings.find((t) => t.name === name)?.engine_full ?? '')?.[1]
    expect(block('otel_traces')).toBe('16384')
    expect(block('otel_traces_trace_id_ts')).toBe('4096')
    expect(block('otel_logs')).toBe('4096')
    expect(COMPRESS_BLOCKS.otel_traces).toBe(16_384)
  })

  it('let showing a trace decompress a few times less than the default 64 KB blocks', async () => {
    // 20,480 spans of 2,048 traces in one ten-minute bucket, with attributes a real span carries: 20
    // granules of 1,024 rows. The same rows go to a copy of the table with the default blocks.
    await own.ingest.command({
      query: 'CREATE TABLE otel.default_blocks AS otel.otel_traces',
    })
    await own.ingest.command({
      query: 'ALTER TABLE otel.default_blocks RESET SETTING min_compress_block_size',
    })
    // A store's spans lie in wide parts (a file per column) once they pass 10 MB; this test's few
    // thousand would make a compact part (one file, its own blocks), so both tables write wide parts.
    for (const table of ['otel.otel_traces', 'otel.default_blocks'])
      await own.ingest.command({ query: `ALTER TABLE ${table} MODIFY SETTING min_bytes_for_wide_part = 0` })
    const bucket = Math.floor(Date.now() / 600_000) * 600
    const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')
    const values = Array.from({ length: 20_480 }, (_, n) => ({
      Timestamp: `${bucket + (n % 500)}00000000${n % 10}`, // ns
      TraceId: hex((n % 2048) * 7919 + 1, 32),
      SpanId: hex(n + 1, 16),
      SpanName: `op-${n % 10}`,
      ServiceName: `svc-${n % 20}`,
      Duration: 1_000_000 + ((n * 7919) % 900_000),
      SpanAttributes: { 'http.route': `/api/items/${n % 97}`, 'user.id': `u-${(n * 31) % 5000}` },
      ResourceAttributes: { 'service.name': `svc-${n % 20}`, 'host.name': `host-${n % 7}` },
    }))
    for (const table of ['otel.otel_traces', 'otel.default_blocks'])
      await own.ingest.insert({ table, values, format: 'JSONEachRow' })
    const traceId = hex(1234 * 7919 + 1, 32)
    const read = async (table: string) => {
      const before = await decompressed()
      const spans = await rows(
        `SELECT * FROM ${table} WHERE TraceId = {id:String}
         AND Timestamp >= toDateTime64(${bucket}, 9) AND Timestamp < toDateTime64(${bucket + 600}, 9)`,
        { id: traceId },
      )
      // The counter query itself reads system.events, not a MergeTree: it decompresses nothing.
      return { spans: spans.length, bytes: (await decompressed()) - before }
    }
    const small = await read('otel.otel_traces')
    const large = await read('otel.default_blocks')
    expect(small.spans).toBe(10)
    expect(large.spans).toBe(10)
    expect(small.bytes).toBeGreaterThan(0)
    // 16 KB blocks: 391 KB against 1.1 MB here (4 KB blocks read 239 KB).
    expect(small.bytes * 2).toBeLessThan(large.bytes)
  })
})
