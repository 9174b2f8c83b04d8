import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { isSkeinError } from '../../src/errors.js'
import { createWriter, openStaging } from '../../src/pipeline/writer.js'
import { LOG_COLUMNS, type LogRow, SPAN_COLUMNS, type SpanRow } from '../../src/rows.js'
import { LOG_TYPES, SPAN_TYPES } from '../../src/storage/rowbinary.js'
import { openStorage, type Storage } from '../../src/storage/storage.js'

let storage: Storage
const dataDir = join(mkdtempSync(join(tmpdir(), 'skein-writer-')), 'data')

beforeAll(async () => {
  storage = await openStorage(loadConfig({ dataDir }, {}))
})
afterAll(async () => {
  await storage?.close()
})
beforeEach(async () => {
  await storage.ingest.command({ query: 'TRUNCATE TABLE otel.otel_traces' })
  await storage.ingest.command({ query: 'TRUNCATE TABLE otel.otel_logs' })
  await storage.ingest.command({ query: 'TRUNCATE TABLE otel.otel_traces_trace_id_ts' })
})

/** Strings that stress the length prefix and UTF-8: around the one-byte boundary, multi-byte, control. */
const AWKWARD = [
  '',
  'a'.repeat(42),
  'b'.repeat(43),
  'c'.repeat(127),
  'd'.repeat(128),
  'é'.repeat(64),
  'x'.repeat(20_000),
  '日本語のログ',
  'emoji 🧵 and more',
  "nul \0 newline \n tab \t quote ' backslash \\ {x:String}",
]

/**
 * Now, in nanoseconds, with digits below the millisecond: rows older than the retention would be
 * dropped by the table's TTL soon after the insert.
 */
const NOW_NS = BigInt(Date.now()) * 1_000_000n + 123_456n

function span(i: number): SpanRow {
  const s = AWKWARD[i % AWKWARD.length]
  const attrs = Object.fromEntries(AWKWARD.map((v, k) => [`k${k}.${s.slice(0, 5)}`, v]))
  return [
    `${NOW_NS + BigInt(i)}`,
    `${i.toString(16).padStart(32, '0')}`,
    `${i.toString(16).padStart(16, '0')}`,
    i % 2 ? '00000000000000ff' : '',
    s.slice(0, 50),
    `op ${s.slice(0, 30)}`,
    ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'][i % 6],
    `svc-${i % 3}`,
    { 'service.name': `svc-${i % 3}`, big: s },
    s,
    '1.0.0',
    i % 3 ? attrs : {},
    [0, 1, 999_999_999, 2 ** 40 + 7, 2 ** 53 - 1][i % 5],
    ['Unset', 'Ok', 'Error'][i % 3],
    s,
    i % 2 ? [`${NOW_NS + 1n + BigInt(i)}`, `${NOW_NS + 999_999_999n}`] : [],
    i % 2 ? ['exception', s] : [],
    i % 2 ? [{ 'exception.message': s }, {}] : [],
    i % 4 ? [`${'ab'.repeat(16)}`] : [],
    i % 4 ? ['cd'.repeat(8)] : [],
    i % 4 ? [s] : [],
    i % 4 ? [{ link: s }] : [],
  ]
}

function logLine(i: number): LogRow {
  const s = AWKWARD[i % AWKWARD.length]
  return [
    `${NOW_NS + BigInt(i)}`,
    i % 2 ? `${i.toString(16).padStart(32, '0')}` : '',
    i % 2 ? `${i.toString(16).padStart(16, '0')}` : '',
    [0, 1, 255][i % 3],
    ['INFO', 'ERROR', s.slice(0, 10)][i % 3],
    [0, 9, 17, 24][i % 4],
    `svc-${i % 3}`,
    s,
    'https://opentelemetry.io/schemas/1.26.0',
    { 'service.name': `svc-${i % 3}`, odd: s },
    '',
    'pino',
    '9.0.0',
    i % 2 ? { scope: s } : {},
    { n: `${i}`, text: s },
  ]
}

/** An empty copy of a table, to insert the same rows a second way and compare. */
async function twin(table: string): Promise<string> {
  await storage.ingest.command({ query: `DROP TABLE IF EXISTS otel.${table}_twin` })
  await storage.ingest.command({ query: `CREATE TABLE otel.${table}_twin AS otel.${table}` })
  return `otel.${table}_twin`
}

async function readAll(table: string, order: string): Promise<unknown[]> {
  const rs = await storage.query.query({
    query: `SELECT * FROM otel.${table} ORDER BY ${order}`,
    format: 'JSONEachRow',
  })
  return rs.json()
}

describe('the writer', () => {
  it('names the exact column types of our tables in its RowBinary structures', async () => {
    for (const [table, columns, types] of [
      ['otel_traces', SPAN_COLUMNS, SPAN_TYPES],
      ['otel_logs', LOG_COLUMNS, LOG_TYPES],
    ] as const) {
      const rs = await storage.query.query({ query: `DESCRIBE TABLE otel.${table}`, format: 'JSONEachRow' })
      const described = new Map(
        ((await rs.json()) as { name: string; type: string }[]).map((r) => [r.name, r.type]),
      )
      expect(columns.map((c) => [c, described.get(c)])).toEqual(columns.map((c, i) => [c, types[i]]))
    }
  })

  it('stores spans as RowBinary exactly as it stores them as JSON', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => span(i))
    await createWriter(storage.ingest).insert(storage.table('otel_traces'), SPAN_COLUMNS, rows)
    await createWriter(storage.ingest, { stagingDir: storage.stagingDir }).insert(
      await twin('otel_traces'),
      SPAN_COLUMNS,
      rows,
    )
    const viaRowBinary = await readAll('otel_traces_twin', 'SpanId')
    expect(viaRowBinary).toHaveLength(60)
    expect(viaRowBinary).toEqual(await readAll('otel_traces', 'SpanId'))
    expect((viaRowBinary[3] as { Duration: number }).Duration).toBe(2 ** 40 + 7)
  })

  it('stores log lines as RowBinary exactly as it stores them as JSON', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => logLine(i))
    await createWriter(storage.ingest).insert(storage.table('otel_logs'), LOG_COLUMNS, rows)
    await createWriter(storage.ingest, { stagingDir: storage.stagingDir }).insert(
      await twin('otel_logs'),
      LOG_COLUMNS,
      rows,
    )
    const viaRowBinary = await readAll('otel_logs_twin', 'Timestamp')
    expect(viaRowBinary).toHaveLength(40)
    expect(viaRowBinary).toEqual(await readAll('otel_logs', 'Timestamp'))
  })

  it('stores a lone surrogate, which JSON cannot carry, as U+FFFD', async () => {
    const row = span(0)
    row[11] = { odd: 'a\ud800b' }
    await createWriter(storage.ingest, { stagingDir: storage.stagingDir }).insert(
      storage.table('otel_traces'),
      SPAN_COLUMNS,
      [row],
    )
    const [stored] = (await readAll('otel_traces', 'SpanId')) as { SpanAttributes: Record<string, string> }[]
    expect(stored.SpanAttributes).toEqual({ odd: 'a\ufffdb' })
  })

  it('feeds the trace-id index view from RowBinary inserts too', async () => {
    await createWriter(storage.ingest, { stagingDir: storage.stagingDir }).insert(
      storage.table('otel_traces'),
      SPAN_COLUMNS,
      [span(1), span(2)],
    )
    const rs = await storage.query.query({
      query: 'SELECT count() AS n FROM otel.otel_traces_trace_id_ts',
      format: 'JSONEachRow',
    })
    expect(Number(((await rs.json()) as { n: string }[])[0].n)).toBe(2)
  })

  it('leaves no batch file behind, whether the insert succeeds or storage refuses it', async () => {
    const dir = storage.stagingDir as string
    const writer = createWriter(storage.ingest, { stagingDir: dir })
    await writer.insert(storage.table('otel_traces'), SPAN_COLUMNS, [span(0)])
    const refused = await writer.insert('otel.no_such_table', SPAN_COLUMNS, [span(0)]).then(
      () => undefined,
      (e) => e,
    )
    expect(isSkeinError(refused) && refused.code).toBe('SKEIN_ERR_STORAGE_REJECTED')
    expect(readdirSync(dir)).toEqual([])
  })

  it('refuses rows on more than 100 days in one insert as bad data, at once and without retries (issue 18.4)', async () => {
    // The engine refuses an insert block over 100 partitions (days) with code 252, the code of "too many
    // parts" too; retried as transient, it held every request batched with it hostage.
    const day = 86_400_000_000_000n
    const rows = Array.from({ length: 101 }, (_, d) => {
      const row = span(d)
      row[0] = `${NOW_NS + BigInt(d + 1) * day}`
      return row
    })
    for (const stagingDir of [storage.stagingDir, undefined]) {
      let retries = 0
      const writer = createWriter(storage.ingest, { stagingDir, onRetry: () => retries++ })
      const refused = await writer.insert(storage.table('otel_traces'), SPAN_COLUMNS, rows).then(
        () => undefined,
        (e) => e,
      )
      expect(isSkeinError(refused) && refused.code).toBe('SKEIN_ERR_STORAGE_REJECTED')
      expect(refused.message).toMatch(/Too many partitions for single INSERT block/)
      expect(retries).toBe(0)
    }
  })

  it('falls back to JSON when the staging directory cannot be written', async () => {
    const gone = join(tmpdir(), `skein-no-such-dir-${process.pid}`, 'staging')
    await createWriter(storage.ingest, { stagingDir: gone }).insert(
      storage.table('otel_traces'),
      SPAN_COLUMNS,
      [span(5)],
    )
    expect(await readAll('otel_traces', 'SpanId')).toHaveLength(1)
    expect(existsSync(gone)).toBe(false)
  })
})

describe('the embedded storage', () => {
  it('keeps its staging directory on tmpfs', () => {
    expect(storage.stagingDir).toMatch(new RegExp(`^/dev/shm/skein-staging-${process.pid}-`))
  })

  it('sweeps the staging directories of dead processes, not those of live ones', () => {
    const base = join(storage.stagingDir as string, '..')
    // A pid above the kernel's maximum (4194304) cannot belong to a live process.
    const stale = join(base, 'skein-staging-4194399-abc')
    mkdirSync(stale, { recursive: true })
    const mine = openStaging() as string
    try {
      expect(existsSync(stale)).toBe(false)
      expect(existsSync(storage.stagingDir as string)).toBe(true)
      expect(mine).not.toBe(storage.stagingDir)
    } finally {
      rmSync(mine, { recursive: true })
    }
  })
})
