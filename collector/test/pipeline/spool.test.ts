import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isSkeinError, skeinError } from '../../src/errors.js'
import { SpoolingWriter } from '../../src/pipeline/spool.js'
import type { Writer } from '../../src/pipeline/writer.js'

/**
 * The spool's own logic with a stand-in for storage that can be taken down and that refuses rows marked
 * "bad" as the real writer refuses bad data (STORAGE_REJECTED); the real thing, a ClickHouse server that
 * goes down, is covered end to end in test/load/outage.test.ts and spool-poison.test.ts.
 */
function storage() {
  const stored: unknown[][] = []
  let down = false
  let inserts = 0
  const writer: Writer = {
    async insert(_t, _c, rows) {
      inserts++
      if (down) throw skeinError('STORAGE_UNAVAILABLE', 'connection refused')
      if (rows.some((r) => r[0] === 'bad')) throw skeinError('STORAGE_REJECTED', 'storage refused the data')
      stored.push(...rows)
    },
  }
  return {
    writer,
    stored,
    inserts: () => inserts,
    down: () => {
      down = true
    },
    up: () => {
      down = false
    },
  }
}

const spoolDir = () => join(mkdtempSync(join(tmpdir(), 'skein-spool-')), 'spans')
const batches = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.batch'))
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10))
}

describe('SpoolingWriter', () => {
  it('hands a batch storage refused as bad data back to its caller, unspooled and still healthy (issue 18.9)', async () => {
    const s = storage()
    const dir = spoolDir()
    const spool = new SpoolingWriter(s.writer, s.writer, { dir, maxBytes: 1e6, log: () => undefined })
    const refused = await spool.insert('t', ['a'], [['good'], ['bad']]).then(
      () => undefined,
      (e) => e,
    )
    expect(isSkeinError(refused) && refused.code).toBe('SKEIN_ERR_STORAGE_REJECTED')
    expect(batches(dir)).toEqual([])
    expect(spool.healthy).toBe(true)
    await spool.insert('t', ['a'], [['next']])
    expect(s.stored).toEqual([['next']])
    await spool.shutdown()
  })

  it('spools a batch while storage is down and replays it once storage is back', async () => {
    const s = storage()
    const dir = spoolDir()
    const spool = new SpoolingWriter(s.writer, s.writer, {
      dir,
      maxBytes: 1e6,
      log: () => undefined,
      retryMs: 10,
    })
    s.down()
    await spool.insert('t', ['a'], [['x'], ['y']])
    expect(batches(dir)).toHaveLength(1)
    expect(spool.healthy).toBe(false)
    s.up()
    await until(() => spool.healthy)
    expect(s.stored).toEqual([['x'], ['y']])
    expect(batches(dir)).toEqual([])
    await spool.shutdown()
  })

  it('stores the good rows of a spooled batch that storage refuses on replay, moves the bad ones to rejected/, and goes on', async () => {
    const s = storage()
    const dir = spoolDir()
    const logs: string[] = []
    const spool = new SpoolingWriter(s.writer, s.writer, {
      dir,
      maxBytes: 1e6,
      log: (_l, m) => logs.push(m),
      retryMs: 10,
    })
    s.down()
    const rows = Array.from({ length: 64 }, (_, i) => [i === 5 || i === 40 ? 'bad' : `row ${i}`])
    await spool.insert('t', ['a'], rows)
    await spool.insert('t', ['a'], [['later']])
    s.up()
    await until(() => spool.healthy)
    expect(spool.healthy).toBe(true)
    expect(s.stored).toEqual([...rows.filter((r) => r[0] !== 'bad'), ['later']])
    expect(batches(dir)).toEqual([])
    const [rejected] = readdirSync(join(dir, 'rejected'))
    const lines = readFileSync(join(dir, 'rejected', rejected), 'utf8')
      .trim()
      .split('\n')
    expect(JSON.parse(lines[0])).toMatchObject({ table: 't', rows: 2 })
    expect(lines.slice(1)).toEqual(['["bad"]', '["bad"]'])
    expect(logs.some((m) => /refused 2 rows .* as bad data/.test(m))).toBe(true)
    // Halving finds 2 bad rows among 64 in a few inserts, not one insert per row.
    expect(s.inserts()).toBeLessThan(30)
    await spool.shutdown()
  })

  it('keeps only the rows not yet stored when storage goes down in the middle of such a replay', async () => {
    const s = storage()
    const dir = spoolDir()
    let calls = 0
    const flaky: Writer = {
      async insert(t, c, rows) {
        // The third insert of the replay finds storage down: after the refused whole and its first half.
        if (++calls === 3) throw skeinError('STORAGE_UNAVAILABLE', 'connection refused')
        return s.writer.insert(t, c, rows)
      },
    }
    const spool = new SpoolingWriter(s.writer, flaky, {
      dir,
      maxBytes: 1e6,
      log: () => undefined,
      retryMs: 10,
    })
    s.down()
    await spool.insert('t', ['a'], [['a'], ['b'], ['bad'], ['d']])
    s.up()
    await until(() => spool.healthy)
    expect(s.stored).toEqual([['a'], ['b'], ['d']])
    expect(existsSync(join(dir, 'rejected'))).toBe(true)
    await spool.shutdown()
  })
})
