import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { spanRows, spanWal } from '../../../test/helpers/wal-records.js'
import { isSkeinError } from '../../src/errors.js'
import { Metrics } from '../../src/metrics.js'
import { encodeRecord, scanSegment, type WalOptions } from '../../src/pipeline/wal.js'
import { SPAN_COLUMNS } from '../../src/rows.js'
import { encodeSpans, rowBinaryFor } from '../../src/storage/rowbinary.js'

/** The write-ahead log on a real directory: records, fsync before the ack, segments, recovery. */

const encoding = rowBinaryFor(SPAN_COLUMNS)!

const spans = (from: number, n: number) => spanRows(from, n, 'wal-test')

function walIn(dir: string, over: Partial<WalOptions> = {}) {
  const lines: string[] = []
  return { wal: spanWal(dir, over, lines), lines }
}

const fresh = () => mkdtempSync(join(tmpdir(), 'skein-wal-'))
const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal'))

describe('a log record', () => {
  it('holds its rows as the RowBinary the engine inserts, and where each row ends', () => {
    const rows = spans(0, 5)
    const { records, end, skipped } = scanSegment(encodeRecord(encoding, rows))
    expect(records).toHaveLength(1)
    expect(records[0].payload).toEqual(encodeSpans(rows))
    expect(records[0].ends[4]).toBe(records[0].payload.length)
    expect(records[0].payload.subarray(records[0].ends[1], records[0].ends[2])).toEqual(
      encodeSpans([rows[2]]),
    )
    expect(skipped).toEqual([])
    expect(end).toBeGreaterThan(0)
  })

  it('is skipped and reported when corrupted in the middle of a segment, the records after it kept', () => {
    const [a, b, c] = [
      encodeRecord(encoding, spans(0, 2)),
      encodeRecord(encoding, spans(2, 3)),
      encodeRecord(encoding, spans(5, 1)),
    ]
    const segment = Buffer.concat([a, b, c])
    segment[a.length + 40] ^= 0xff
    const scan = scanSegment(segment)
    expect(scan.records.map((r) => r.rows)).toEqual([2, 1])
    expect(scan.skipped).toEqual([{ at: a.length, bytes: b.length }])
    expect(scan.end).toBe(segment.length)
  })

  it('is cut when it is the torn last one, never read', () => {
    const a = encodeRecord(encoding, spans(0, 2))
    const b = encodeRecord(encoding, spans(2, 3))
    const scan = scanSegment(Buffer.concat([a, b.subarray(0, b.length - 7)]))
    expect(scan.records.map((r) => r.rows)).toEqual([2])
    expect(scan.end).toBe(a.length)
    expect(scan.skipped).toEqual([])
  })
})

describe('the write-ahead log', () => {
  it('acknowledges a request once its record is in the segment file, and serves many with one fsync', async () => {
    const dir = fresh()
    const { wal } = walIn(dir)
    await Promise.all(Array.from({ length: 50 }, (_, i) => wal.consume(spans(i * 4, 4))))
    const [file] = segments(dir)
    const scan = scanSegment(readFileSync(join(dir, file)))
    expect(scan.records.reduce((n, r) => n + r.rows, 0)).toBe(200)
    // Group commit: the 50 requests arrived together, so far fewer writes than requests were needed.
    expect(wal.syncs).toBeLessThan(50)
    expect(wal.syncs).toBeGreaterThan(0)
    await wal.close()
  })

  it('seals a segment at its row bound and hands the sealed ones over oldest first', async () => {
    const dir = fresh()
    const { wal } = walIn(dir, { segmentRows: 10 })
    for (let i = 0; i < 3; i++) await wal.consume(spans(i * 10, 10))
    await wal.consume(spans(30, 2))
    const first = wal.take()
    const second = wal.take()
    expect([first?.rows, second?.rows]).toEqual([10, 10])
    expect(first!.id < second!.id).toBe(true)
    wal.remove(first!)
    expect(segments(dir)).not.toContain(`${first!.id}.wal`)
    await wal.close()
  })

  it('seals the open segment for the insert stage once it is as old as the delay, not before', async () => {
    const { wal } = walIn(fresh(), { sealAfterMs: 200 })
    let readyCalls = 0
    wal.onReady = () => readyCalls++
    await wal.consume(spans(0, 3))
    expect(wal.take()).toBeUndefined()
    await new Promise((r) => setTimeout(r, 250))
    expect(readyCalls).toBeGreaterThan(0)
    expect(wal.take()?.rows).toBe(3)
    expect(wal.oldestAgeMs()).toBeGreaterThanOrEqual(200)
    await wal.close()
  })

  it('answers 503 once it holds --wal-max-bytes, naming the bound, and counts the refusal', async () => {
    const metrics = new Metrics()
    const { wal } = walIn(fresh(), { maxBytes: () => 2000, metrics })
    await wal.consume(spans(0, 20))
    const refused = await wal.consume(spans(20, 1)).catch((e) => e)
    expect(isSkeinError(refused) && refused.status).toBe(503)
    expect(refused.message).toMatch(/--wal-max-bytes/)
    expect(metrics.render()).toMatch(/skein_refused_items_total\{signal="spans"\} 1/)
    await wal.close()
  })

  it('refuses a request whose write fails, and writes on once the disk takes it again', async () => {
    const dir = fresh()
    const { wal, lines } = walIn(dir)
    await wal.consume(spans(0, 2))
    // The open segment's descriptor is closed under it: every write fails (EBADF), as a dying disk would.
    const open = (wal as unknown as { current: { fd: number } }).current
    const fd = open.fd
    open.fd = 1_000_000
    const failed = await wal.consume(spans(2, 2)).catch((e) => e)
    expect(isSkeinError(failed) && failed.status).toBe(503)
    expect(lines.join('\n')).toMatch(/could not be written \(EBADF\)/)
    open.fd = fd
    await wal.consume(spans(4, 2))
    await wal.close()
    const rows = segments(dir).flatMap((f) =>
      scanSegment(readFileSync(join(dir, f))).records.map((r) => r.rows),
    )
    expect(rows).toEqual([2, 2])
  })

  it('finds the segments a previous run left, cuts a torn tail and replays the rest', async () => {
    const dir = fresh()
    const first = walIn(dir, { segmentRows: 5 })
    await first.wal.consume(spans(0, 5))
    await first.wal.consume(spans(5, 3))
    // Killed here: the open segment ends in half a record (a write the crash interrupted).
    const open = segments(dir).sort()[1]
    const good = statSync(join(dir, open)).size
    appendFileSync(join(dir, open), encodeRecord(encoding, spans(8, 4)).subarray(0, 30))
    const metrics = new Metrics()
    const second = walIn(dir, { metrics })
    expect(second.wal.recovered.map((s) => s.rows)).toEqual([5, 3])
    expect(statSync(join(dir, open)).size).toBe(good)
    expect(second.lines.join('\n')).toMatch(/cut a torn tail of 30 bytes/)
    expect(metrics.render()).toMatch(/skein_wal_torn_tails_total\{signal="spans"\} 1/)
    // New segments come after the old ones, under new names.
    await second.wal.consume(spans(20, 1))
    await second.wal.close()
    const names = segments(dir).sort()
    expect(names).toHaveLength(3)
    expect(names.slice(0, 2)).toEqual(segments(dir).sort().slice(0, 2))
    expect(new Set(names).size).toBe(3)
  })

  it('drops a segment left empty (created, nothing fsynced in it)', () => {
    const dir = fresh()
    writeFileSync(join(dir, '0000000000-abc.wal'), Buffer.alloc(0))
    const { wal } = walIn(dir)
    expect(wal.recovered).toEqual([])
    expect(segments(dir)).toEqual([])
  })
})
