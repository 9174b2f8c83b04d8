import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { REFUSED_ROW, spanRows, spanWal } from '../../../test/helpers/wal-records.js'
import { loadConfig } from '../../src/config.js'
import { Loader } from '../../src/pipeline/loader.js'
import { encodeRecord, type Wal } from '../../src/pipeline/wal.js'
import { createWriter } from '../../src/pipeline/writer.js'
import { SPAN_COLUMNS } from '../../src/rows.js'
import { type RowBinaryTable, rowBinaryFor } from '../../src/storage/rowbinary.js'
import { openStorage, type Storage } from '../../src/storage/storage.js'

/**
 * The insert stage on the real embedded engine: a segment stored once however often it is replayed
 * (insert deduplication), and what happens to it on the way.
 */

let storage: Storage
const dataDir = join(mkdtempSync(join(tmpdir(), 'skein-loader-')), 'data')
const encoding = rowBinaryFor(SPAN_COLUMNS) as RowBinaryTable

beforeAll(async () => {
  storage = await openStorage(loadConfig({ dataDir }, {}))
})
afterAll(async () => {
  await storage?.close()
})
beforeEach(async () => {
  for (const t of ['otel_traces', 'otel_traces_trace_id_ts', 'skein_trace_summary', 'skein_spans_by_service'])
    await storage.ingest.command({ query: `TRUNCATE TABLE otel.${t}` })
})

const spans = (from: number, n: number) => spanRows(from, n, 'loader-test')

const count = async (table = 'otel_traces') => {
  const rs = await storage.query.query({
    query: `SELECT count() AS n FROM otel.${table}`,
    format: 'JSONEachRow',
  })
  return Number(((await rs.json()) as { n: string }[])[0].n)
}

/** A log and its insert stage on `dir`, as the pipeline makes them. */
function open(dir: string, lines: string[] = []) {
  const log = (level: string, msg: string) => lines.push(`${level} ${msg}`)
  const wal = spanWal(dir, { sealAfterMs: 20 }, lines)
  const loader = new Loader(wal as Wal<unknown[]>, {
    signal: 'spans',
    table: storage.table('otel_traces'),
    columns: SPAN_COLUMNS,
    encoding,
    writer: createWriter(storage.ingest, { stagingDir: storage.stagingDir }),
    rejectedDir: join(dir, '..', 'rejected'),
    log,
  })
  return { wal, loader }
}

const until = async (check: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25))
}

describe('the insert stage', () => {
  it('stores a segment, removes its file, and stores it once when a crash left it behind after the insert', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'skein-loader-wal-')), 'spans')
    const first = open(dir)
    await first.wal.consume(spans(0, 300))
    await first.wal.consume(spans(300, 200))
    // Copy the segment before the insert stage removes it: the file a crash between insert and removal leaves.
    const [name] = readdirSync(dir)
    copyFileSync(join(dir, name), join(dir, '..', name))
    await until(async () => readdirSync(dir).length === 0 && (await count()) === 500)
    expect(await count()).toBe(500)
    await first.loader.shutdown()
    await first.wal.close()

    copyFileSync(join(dir, '..', name), join(dir, name))
    const again = open(dir)
    await again.loader.replayed
    expect(readdirSync(dir)).toEqual([])
    expect(await count()).toBe(500)
    // The views the insert feeds are not doubled either.
    expect(await count('otel_traces_trace_id_ts')).toBe(500)
    expect(await count('skein_spans_by_service')).toBe(500)
    const rs = await storage.query.query({
      query: 'SELECT toUInt32(sum(SpanCount)) AS n FROM otel.skein_trace_summary',
      format: 'JSONEachRow',
    })
    expect(((await rs.json()) as { n: number }[])[0].n).toBe(500)
    await again.loader.shutdown()
  })

  it('stores the rows around those storage refuses, and moves each refused row to rejected/', async () => {
    const root = mkdtempSync(join(tmpdir(), 'skein-loader-wal-'))
    const dir = join(root, 'spans')
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, '0000000000-poison.wal'),
      Buffer.concat([
        encodeRecord(encoding, spans(0, 40)),
        encodeRecord(REFUSED_ROW, [[]]),
        encodeRecord(encoding, spans(40, 23)),
        encodeRecord(REFUSED_ROW, [[]]),
      ]),
    )
    const lines: string[] = []
    const { loader } = open(dir, lines)
    // Stored and removed (an insert that meets a passing failure under load is tried again).
    await until(() => readdirSync(dir).length === 0)
    expect(await count()).toBe(63)
    expect(readdirSync(join(root, 'rejected')).sort()).toEqual([
      'spans-0000000000-poison-40.rowbinary',
      'spans-0000000000-poison-64.rowbinary',
    ])
    expect(lines.filter((l) => l.includes('refused a row'))).toHaveLength(2)
    expect(loader.healthy).toBe(true)
    await loader.shutdown()
  })
})
