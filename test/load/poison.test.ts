/**
 * Bad data in the write-ahead log is not an outage (issue 18.9, where one bad batch turned server mode's
 * spool into a permanent outage; issue 17.4). A segment left in the log holds, between good records, a
 * record whose rows storage refuses (valid checksum, rows that are not RowBinary of the table: what a bug
 * could write) and a record corrupted on disk (failed checksum). On start-up the replay stores the good
 * rows, moves the refused row to `<wal>/rejected/` with the reason in the log and a metric, reports and
 * skips the corrupted record, and health stays ready. ClickHouse here is test/helpers/fake-clickhouse.ts
 * (SQL executed on chDB): no real server runs here.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeRecord } from '../../collector/src/pipeline/wal.js'
import { SPAN_COLUMNS } from '../../collector/src/rows.js'
import { type RowBinaryTable, rowBinaryFor } from '../../collector/src/storage/rowbinary.js'
import { type RunningCollector, startCollector, stored, tempDir } from '../helpers/collector.js'
import { type FakeClickHouse, startFakeClickHouse } from '../helpers/fake-clickhouse.js'
import { postJson, traceRequest } from '../helpers/telemetry.js'
import { REFUSED_BYTES, REFUSED_ROW, spanRows } from '../helpers/wal-records.js'

let fake: FakeClickHouse | undefined
let c: RunningCollector | undefined
afterAll(async () => {
  await c?.stop()
  await fake?.close()
})

const countOf = async (service: string) =>
  Number(
    (
      await fake!.query<{ n: string }>(
        `SELECT count() AS n FROM otel.otel_traces WHERE ServiceName = '${service}'`,
      )
    )[0].n,
  )

const spans = (from: number, n: number) => spanRows(from, n, 'left-behind')

describe('a log segment with rows storage refuses and a corrupted record, in server mode', () => {
  it('is replayed: good rows stored, the refused row moved to rejected/, the corrupted record skipped, health ready', async () => {
    fake = await startFakeClickHouse(join(tempDir(), 'clickhouse'))
    const walDir = join(tempDir(), 'wal')
    mkdirSync(join(walDir, 'spans'), { recursive: true })
    const encoding = rowBinaryFor(SPAN_COLUMNS) as RowBinaryTable
    const corrupted = encodeRecord(encoding, spans(10, 4))
    corrupted[corrupted.length - 3] ^= 0xff
    writeFileSync(
      join(walDir, 'spans', '0000000000-left.wal'),
      Buffer.concat([
        encodeRecord(encoding, spans(0, 3)),
        encodeRecord(REFUSED_ROW, [[]]),
        corrupted,
        encodeRecord(encoding, spans(3, 2)),
      ]),
    )

    c = await startCollector({ args: ['--clickhouse-url', fake.url, '--wal-dir', walDir] })
    // Replayed before ingest opened: the five good rows are there already.
    expect(await countOf('left-behind')).toBe(5)
    const rejected = readdirSync(join(walDir, 'rejected'))
    expect(rejected).toHaveLength(1)
    // Kept as RowBinaryWithNamesAndTypes: the header names the columns, then the refused bytes.
    expect(readFileSync(join(walDir, 'rejected', rejected[0])).includes(REFUSED_BYTES)).toBe(true)
    expect(c.output()).toMatch(/storage refused a row of spans as bad data \(.+\); moved it to .*rejected/)
    expect(c.output()).toMatch(/a corrupted record in .*0000000000-left\.wal .* failed its checksum; skipped/)
    const metrics = await (await fetch(`${c.ingestUrl}/metrics`)).text()
    expect(metrics).toMatch(/skein_wal_rejected_rows_total\{signal="spans"\} 1\n/)
    expect(metrics).toMatch(/skein_wal_corrupt_records_total\{signal="spans"\} 1\n/)
    expect(readdirSync(join(walDir, 'spans')).filter((f) => f.endsWith('.wal'))).toEqual([])
    expect((await fetch(`${c.ingestUrl}/health`)).status).toBe(200)

    // And ingest goes on as usual.
    const now = BigInt(Date.now()) * 1_000_000n
    const r = await postJson(`${c.ingestUrl}/v1/traces`, traceRequest('after', 'c'.repeat(32), [now]))
    expect(r.status).toBe(200)
    await stored(c.ingestUrl)
    expect(await countOf('after')).toBe(1)
  }, 120_000)
})
