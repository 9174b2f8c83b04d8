/**
 * The DDL `--clickhouse-cluster` runs, for the cluster of deploy/cluster: replicated local tables and
 * Distributed tables ON CLUSTER, sharded by trace id so every span and log line of a trace lands on one
 * shard (a trace is then read from one shard, and the trace-bounds view sees all of its spans).
 * A ClickHouse cluster cannot run here: the generated SQL is snapshot and its invariants asserted.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createDatabase, localName, MIGRATIONS, versionTable } from '../../collector/src/storage/schema.js'
import { REPO_ROOT } from '../helpers/collector.js'

const CLUSTER = /<remote_servers>\s*<(\w+)>/.exec(
  readFileSync(join(REPO_ROOT, 'deploy/cluster/clickhouse/cluster.xml'), 'utf8'),
)![1]
const options = { database: 'otel', retentionDays: 30, cluster: CLUSTER }
const statements = [
  createDatabase(options),
  versionTable(options),
  ...MIGRATIONS.flatMap((m) => m.statements(options)),
]
const created = (sql: string) =>
  /^CREATE (?:TABLE|MATERIALIZED VIEW|DATABASE) IF NOT EXISTS `otel`(?:\.`(\w+)`)?/.exec(sql)?.[1]
const byName = new Map(statements.map((s) => [created(s), s]))

/** Tables whose rows belong to a trace: they must be sharded by TraceId. */
const TRACE_TABLES = ['otel_traces', 'otel_traces_trace_id_ts', 'otel_logs', 'skein_trace_summary']
/** Statements that move data (a migration's backfill): run once, through the Distributed tables. */
const isData = (sql: string) => sql.startsWith('INSERT INTO ')

describe('cluster-mode DDL', () => {
  it('matches the snapshot', () => {
    expect(statements.join(';\n\n')).toMatchSnapshot()
  })

  it('runs every DDL statement ON CLUSTER, the cluster named as in deploy/cluster', () => {
    expect(CLUSTER).toBe('skein')
    for (const sql of statements.filter((s) => !isData(s)))
      expect(sql.split('\n')[0]).toContain(` ON CLUSTER \`${CLUSTER}\``)
  })

  it('backfills through the Distributed tables only (every shard read, rows sharded as the view shards them)', () => {
    const data = statements.filter(isData)
    expect(data.length).toBeGreaterThanOrEqual(1)
    for (const sql of data) expect(sql).not.toMatch(/_local`/)
  })

  it('stores rows in Replicated*MergeTree `<name>_local` tables keyed by the {shard} and {replica} macros', () => {
    const storage = statements.filter((s) => /ENGINE = \w*MergeTree/.test(s))
    expect(storage.length).toBeGreaterThanOrEqual(6)
    for (const sql of storage) {
      expect(created(sql)).toMatch(/_local$/)
      expect(sql).toMatch(
        /ENGINE = Replicated(Replacing|Aggregating)?MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'/,
      )
    }
  })

  it('puts a Distributed table over each local table, and shards trace data by cityHash64(TraceId)', () => {
    for (const table of [...TRACE_TABLES, 'skein_alert_rules', 'skein_alert_events']) {
      const sql = byName.get(table)!
      expect(sql, table).toContain(`AS \`otel\`.\`${localName(options, table)}\``)
      expect(sql).toMatch(new RegExp(`ENGINE = Distributed\\(\`${CLUSTER}\`, \`otel\`, \`${table}_local\`, `))
    }
    for (const table of TRACE_TABLES) expect(byName.get(table)).toMatch(/, cityHash64\(TraceId\)\)$/)
  })

  it('feeds the trace-bounds and trace-summary views from the local traces table into local tables (same shard)', () => {
    for (const table of ['otel_traces_trace_id_ts', 'skein_trace_summary']) {
      const view = byName.get(`${table}_local_mv`)!
      expect(view).toContain(`TO \`otel\`.\`${table}_local\``)
      expect(view).toContain('FROM `otel`.`otel_traces_local`')
    }
  })

  it('keeps the single-server DDL free of cluster clauses', () => {
    const single = MIGRATIONS.flatMap((m) => m.statements({ database: 'otel', retentionDays: 30 })).join('\n')
    expect(single).not.toMatch(/ON CLUSTER|Replicated|Distributed|_local/)
  })
})
