import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { p, sql } from '../src/query/sql.js'
import { type CollectorPlugin, type PluginContext, type Ports, startCollector } from '../src/server.js'

describe('startCollector', () => {
  it('hands plugins read-only queries, inserts into Skein’s own tables and the ports, and nothing that closes storage', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'skein-server-')), 'data')
    const config = { ...loadConfig({ dataDir }, {}), grpcPort: 0, ingestPort: 0, port: 0 }
    const seen: { routes?: PluginContext; start?: PluginContext & { ports: Ports } } = {}
    const probe: CollectorPlugin = {
      name: 'probe',
      routes: (_app, c) => {
        seen.routes = c
      },
      start: (c) => {
        seen.start = c
      },
    }
    const collector = await startCollector(config, [probe], () => undefined)
    try {
      expect(Object.keys(seen.routes ?? {}).sort()).toEqual(['config', 'db', 'inserter', 'log'])
      expect(Object.keys(seen.start ?? {}).sort()).toEqual(['config', 'db', 'inserter', 'log', 'ports'])
      expect(seen.start?.ports).toEqual(collector.ports)
      expect(Object.keys(seen.start?.db ?? {}).sort()).toEqual(['rows', 'table', 'timeoutMs'])
      expect(Object.keys(collector.storage)).toEqual(['mode'])

      const c = seen.start as PluginContext
      await c.inserter('skein_alert_rules', ['Id', 'Version', 'Deleted', 'Rule'])([
        p.String('probe'),
        p.UInt64(1),
        sql`0`,
        p.String('{}'),
      ])
      expect(await c.db.rows(sql`SELECT Id FROM ${c.db.table('skein_alert_rules')}`)).toEqual([
        { Id: 'probe' },
      ])
    } finally {
      await collector.stop()
    }
  })
})
