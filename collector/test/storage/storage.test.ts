import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { createDb, type Db } from '../../src/query/db.js'
import { p, sql } from '../../src/query/sql.js'
import { openStorage, type Storage } from '../../src/storage/storage.js'

let storage: Storage
let db: Db
const dataDir = join(mkdtempSync(join(tmpdir(), 'skein-storage-')), 'data')

beforeAll(async () => {
  storage = await openStorage(loadConfig({ dataDir }, {}))
  // As the server makes it: on the query connections, whose sessions are read-only.
  db = createDb(storage.queryClients, storage.table, 5000, { sessionSettings: true })
})
afterAll(async () => {
  await storage?.close()
})

const RULE_COLUMNS = ['Id', 'Version', 'Deleted', 'Rule']

describe('the inserter for Skein’s own tables', () => {
  it('writes a row that the read-only query connections then read back', async () => {
    const insert = storage.inserter('skein_alert_rules', RULE_COLUMNS)
    await insert([p.String('written'), p.UInt64(7), sql`0`, p.String('{"a":1}')])
    const rows = await db.rows<{ Id: string; Version: string; Rule: string }>(
      sql`SELECT Id, toString(Version) AS Version, Rule FROM ${db.table('skein_alert_rules')}
        WHERE Id = ${p.String('written')}`,
    )
    expect(rows).toEqual([{ Id: 'written', Version: '7', Rule: '{"a":1}' }])
  })

  it('is needed because the query connections refuse every write', async () => {
    const write = db.rows(sql`INSERT INTO ${db.table('skein_alert_rules')} (Id, Version, Rule)
      SELECT 'sneaked', 1, ''`)
    await expect(write).rejects.toMatchObject({ code: 'SKEIN_ERR_INTERNAL' })
    await expect(write.catch((e) => (e as Error).cause)).resolves.toMatchObject({
      message: expect.stringMatching(/readonly/i),
    })
  })

  it('takes one value per column, in order', async () => {
    const insert = storage.inserter('skein_alert_rules', RULE_COLUMNS)
    await expect(insert([p.String('short'), p.UInt64(1)])).rejects.toThrow(/4 columns .* 2 values/)
  })

  it('takes column names only as plain identifiers', () => {
    expect(() => storage.inserter('skein_alert_rules', ['Id', 'Rule) SELECT 1; DROP TABLE x; --'])).toThrow(
      /not a column name/,
    )
  })
})

describe('closing storage', () => {
  // Last in this file: the storage is closed from here on (and again by afterAll, which is safe).
  it('removes the staging directory the writer used, once every statement has finished', async () => {
    const dir = storage.stagingDir as string
    expect(existsSync(dir)).toBe(true)
    await storage.close()
    expect(existsSync(dir)).toBe(false)
  })
})
