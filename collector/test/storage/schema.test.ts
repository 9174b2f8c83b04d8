import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { LOG_TABLE, SPAN_TABLE } from '../../src/rows.js'
import {
  COMPACT_CODECS,
  EXPORTER_SPAN_ORDER_BY,
  FAST_READ_COLUMNS,
  LOG_BODY_INDEX_GRANULARITY,
  LOG_GRANULARITY,
  logsTable,
  MIGRATIONS,
  rebuildTraceSummary,
  SPAN_GRANULARITY,
  SPAN_ORDER_BY,
  spansByServiceTable,
  traceIdTsTable,
  traceSummaryTable,
  tracesTable,
} from '../../src/storage/schema.js'
import { openStorage, type Storage } from '../../src/storage/storage.js'

/**
 * Columns and types of the OpenTelemetry Collector ClickHouse exporter's tables
 * (exporter/clickhouseexporter/internal/sql_templates in opentelemetry-collector-contrib), as DESCRIBE
 * shows them. Our tables must match so other tools can read and write them.
 */
const EXPORTER_TRACES: [string, string][] = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['ParentSpanId', 'String'],
  ['TraceState', 'String'],
  ['SpanName', 'LowCardinality(String)'],
  ['SpanKind', 'LowCardinality(String)'],
  ['ServiceName', 'LowCardinality(String)'],
  ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['SpanAttributes', 'Map(LowCardinality(String), String)'],
  ['Duration', 'UInt64'],
  ['StatusCode', 'LowCardinality(String)'],
  ['StatusMessage', 'String'],
  ['Events.Timestamp', 'Array(DateTime64(9))'],
  ['Events.Name', 'Array(LowCardinality(String))'],
  ['Events.Attributes', 'Array(Map(LowCardinality(String), String))'],
  ['Links.TraceId', 'Array(String)'],
  ['Links.SpanId', 'Array(String)'],
  ['Links.TraceState', 'Array(String)'],
  ['Links.Attributes', 'Array(Map(LowCardinality(String), String))'],
]
const EXPORTER_LOGS: [string, string][] = [
  ['Timestamp', 'DateTime64(9)'],
  ['TimestampTime', 'DateTime'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['TraceFlags', 'UInt8'],
  ['SeverityText', 'LowCardinality(String)'],
  ['SeverityNumber', 'UInt8'],
  ['ServiceName', 'LowCardinality(String)'],
  ['Body', 'String'],
  ['ResourceSchemaUrl', 'LowCardinality(String)'],
  ['ResourceAttributes', 'Map(LowCardinality(String), String)'],
  ['ScopeSchemaUrl', 'LowCardinality(String)'],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'LowCardinality(String)'],
  ['ScopeAttributes', 'Map(LowCardinality(String), String)'],
  ['LogAttributes', 'Map(LowCardinality(String), String)'],
]
const EXPORTER_TRACE_ID_TS: [string, string][] = [
  ['TraceId', 'String'],
  ['Start', 'DateTime'],
  ['End', 'DateTime'],
]

let storage: Storage
const dataDir = join(mkdtempSync(join(tmpdir(), 'skein-schema-')), 'data')

beforeAll(async () => {
  storage = await openStorage(loadConfig({ dataDir }, {}))
})
afterAll(async () => {
  await storage?.close()
})

async function describeTable(name: string): Promise<[string, string][]> {
  const rs = await storage.query.query({ query: `DESCRIBE TABLE otel.${name}`, format: 'JSONEachRow' })
  return ((await rs.json()) as { name: string; type: string }[]).map((r) => [r.name, r.type])
}

describe('the schema', () => {
  it('creates otel_traces with the exporter columns and types', async () => {
    expect(await describeTable('otel_traces')).toEqual(EXPORTER_TRACES)
  })
  it('creates otel_logs with the exporter columns and types', async () => {
    expect(await describeTable('otel_logs')).toEqual(EXPORTER_LOGS)
  })
  it('is what the row shapes declare (rows.ts): every inserted column, in order, with its type', async () => {
    expect(SPAN_TABLE).toEqual(await describeTable('otel_traces'))
    // TimestampTime is a DEFAULT column, filled by the engine from Timestamp: never inserted.
    expect(LOG_TABLE).toEqual((await describeTable('otel_logs')).filter(([name]) => name !== 'TimestampTime'))
  })
  it('creates otel_traces_trace_id_ts and the view that fills it', async () => {
    expect(await describeTable('otel_traces_trace_id_ts')).toEqual(EXPORTER_TRACE_ID_TS)
    // A recent time: rows older than the retention are dropped by the TTL.
    const sec = Math.floor(Date.now() / 1000)
    await storage.ingest.insert({
      table: 'otel.otel_traces',
      values: [
        {
          Timestamp: `${sec}123456789`,
          TraceId: 'ab'.repeat(16),
          SpanId: 'cd'.repeat(8),
          SpanName: 'x',
          ServiceName: 's',
        },
      ],
      format: 'JSONEachRow',
    })
    const rs = await storage.query.query({
      query: `SELECT TraceId, toUnixTimestamp(Start) AS s FROM otel.otel_traces_trace_id_ts`,
      format: 'JSONEachRow',
    })
    expect(await rs.json()).toEqual([{ TraceId: 'ab'.repeat(16), s: sec }])
  })
  it('keeps the exporter indexes, partitioning and the retention TTL, with spans ordered by time bucket and trace id', () => {
    const traces = tracesTable({ database: 'otel', retentionDays: 7 })[0]
    for (const idx of [
      'idx_trace_id TraceId TYPE bloom_filter(0.001)',
      'idx_duration Duration TYPE minmax',
      'mapKeys(SpanAttributes)',
    ]) {
      expect(traces).toContain(idx)
    }
    expect(traces).toContain('PARTITION BY toDate(Timestamp)')
    expect(SPAN_ORDER_BY).toBe('(toStartOfTenMinutes(Timestamp), TraceId)')
    expect(traces).toContain(`ORDER BY ${SPAN_ORDER_BY}`)
    expect(traces).not.toContain(EXPORTER_SPAN_ORDER_BY)
    expect(traces).toContain('TTL toDateTime(Timestamp) + toIntervalDay(7)')
    expect(traces).toContain('ttl_only_drop_parts = 1')
    expect(logsTable({ database: 'otel', retentionDays: 7 })[0]).toContain(
      'idx_body Body TYPE tokenbf_v1(32768, 3, 0)',
    )
  })
  it('stores spans, the trace-id lookup and logs in granules of 1,024 rows, the body index over 64 of them', async () => {
    const rs = await storage.query.query({
      query: "SELECT name, engine_full FROM system.tables WHERE database = 'otel' AND name LIKE 'otel_%'",
      format: 'JSONEachRow',
    })
    const granularity = Object.fromEntries(
      ((await rs.json()) as { name: string; engine_full: string }[])
        .filter((t) => t.engine_full.includes('index_granularity'))
        .map((t) => [t.name, Number(/index_granularity = (\d+)/.exec(t.engine_full)?.[1])]),
    )
    expect(SPAN_GRANULARITY).toBe(1024)
    expect(granularity).toEqual({
      otel_traces: SPAN_GRANULARITY,
      otel_traces_trace_id_ts: SPAN_GRANULARITY,
      otel_logs: LOG_GRANULARITY,
    })
    expect(LOG_GRANULARITY).toBe(1024)
    // The token index keeps the exporter's span of rows (8 × 8,192), and so its size.
    expect(logsTable({ database: 'otel', retentionDays: 7 })[0]).toContain(
      `idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY ${LOG_BODY_INDEX_GRANULARITY}`,
    )
    expect(LOG_GRANULARITY * LOG_BODY_INDEX_GRANULARITY).toBe(8 * 8192)
  })
  it('merges the telemetry tables wider than the default (merge_selector_base 20), leaving the rest as they are', async () => {
    const rs = await storage.query.query({
      query:
        "SELECT name, engine_full FROM system.tables WHERE database = 'otel' AND engine LIKE '%MergeTree'",
      format: 'JSONEachRow',
    })
    const tuned = ((await rs.json()) as { name: string; engine_full: string }[])
      .filter((t) => t.engine_full.includes('merge_selector_base = 20'))
      .map((t) => t.name)
      .sort()
    expect(tuned).toEqual(['otel_logs', 'otel_traces', 'otel_traces_trace_id_ts', 'skein_spans_by_service'])
  })
  it('stores the scope and event columns in LZ4 for fast reads, times and attribute maps in ZSTD(3), the rest (span ids too) in ZSTD(1)', async () => {
    const rs = await storage.query.query({
      query:
        "SELECT table, name, compression_codec FROM system.columns WHERE database = 'otel' AND table IN ('otel_traces', 'otel_logs')",
      format: 'JSONEachRow',
    })
    const columns = (await rs.json()) as { table: string; name: string; compression_codec: string }[]
    const lz4 = columns.filter((c) => c.compression_codec === 'CODEC(LZ4)')
    expect(lz4.map((c) => `${c.table}.${c.name}`).sort()).toEqual(
      Object.entries(FAST_READ_COLUMNS)
        .flatMap(([table, names]) => names.map((n) => `${table}.${n}`))
        .filter((c) => !(c.slice('otel_traces.'.length) in COMPACT_CODECS && c.startsWith('otel_traces.')))
        .sort(),
    )
    const codec = (table: string, name: string) =>
      columns.find((c) => c.table === table && c.name === name)?.compression_codec
    for (const [name, declared] of Object.entries(COMPACT_CODECS))
      expect(codec('otel_traces', name)).toBe(`CODEC(${declared})`)
    expect(codec('otel_traces', 'SpanAttributes')).toBe('CODEC(ZSTD(3))')
    expect(codec('otel_traces', 'Duration')).toBe('CODEC(T64, ZSTD(3))')
    expect(codec('otel_traces', 'TraceId')).toBe('CODEC(ZSTD(1))')
    expect(codec('otel_traces', 'StatusMessage')).toBe('CODEC(ZSTD(1))')
    expect(codec('otel_logs', 'TraceId')).toBe('CODEC(ZSTD(1))')
    expect(codec('otel_logs', 'Body')).toBe('CODEC(ZSTD(1))')
    expect(codec('otel_logs', 'LogAttributes')).toBe('CODEC(LZ4)')
  })
  it('keeps trace summaries: the view writes a row per trace and insert, the migration backfills older spans', async () => {
    const sec = Math.floor(Date.now() / 1000)
    const span = (
      trace: string,
      span: string,
      parent: string,
      s: number,
      service: string,
      status = 'Unset',
    ) => ({
      Timestamp: `${sec + s}000000000`,
      TraceId: trace.repeat(32),
      SpanId: span.repeat(16),
      ParentSpanId: parent ? parent.repeat(16) : '',
      SpanName: `op ${span}`,
      ServiceName: service,
      Duration: 1_000_000_000,
      StatusCode: status,
    })
    const insert = (values: object[]) =>
      storage.ingest.insert({ table: 'otel.otel_traces', values, format: 'JSONEachRow' })
    const summaries = async (trace: string) => {
      const rs = await storage.query.query({
        query: `SELECT count() AS rows, toUnixTimestamp(min(Start)) AS start, toString(max(EndNs)) AS endNs,
            toUInt32(sum(SpanCount)) AS spans, toUInt32(sum(ErrorCount)) AS errors, argMinMerge(Root) AS root,
            arraySort(groupUniqArrayArray(Services)) AS services,
            arraySort(arrayMap(k -> indexOf(arrayMap(
              x -> bitOr(bitShiftLeft(toUInt128(cityHash64(x.1)), 64),
                toUInt128(bitOr(bitAnd(cityHash64(x.2), 0xFFFFFFFFFFFFFFFC), x.3))),
              [('db', 'op 2', 3), ('db', 'op 3', 1), ('gateway', 'op 1', 1)]), k),
              groupUniqArrayArray(Keys))) AS keys
          FROM otel.skein_trace_summary WHERE TraceId = {t:String}`,
        query_params: { t: trace.repeat(32) },
        format: 'JSONEachRow',
      })
      return ((await rs.json()) as object[])[0]
    }
    // Through the view: the child first, the root (no parent) three minutes later, in its own insert.
    await insert([span('e', '2', '1', 0, 'db', 'Error')])
    await insert([span('e', '1', '', -180, 'gateway'), span('e', '3', '1', 60, 'db')])
    const expected = {
      rows: 2,
      start: sec - 180,
      endNs: String((BigInt(sec) + 61n) * 1_000_000_000n),
      spans: 3,
      errors: 1,
      root: ['gateway', 'op 1'],
      services: ['db', 'gateway'],
      // Each (service, operation, status) of its spans once, as one number (service hash | operation
      // hash with the status, 1 Unset, 2 Ok, 3 Error, in its 2 low bits): their places in the list above.
      keys: [1, 2, 3],
    }
    expect(await summaries('e')).toEqual(expected)
    // Spans stored before the summaries existed: the migration's backfill summarizes them.
    await storage.ingest.command({ query: 'DROP VIEW otel.skein_trace_summary_mv' })
    await storage.ingest.command({ query: 'TRUNCATE TABLE otel.skein_trace_summary' })
    await insert([span('f', '1', '', 0, 'gateway', 'Error'), span('f', '2', '1', 1, 'db')])
    for (const statement of traceSummaryTable(storage.schema))
      await storage.ingest.command({ query: statement })
    expect(await summaries('e')).toEqual({ ...expected, rows: 1 })
    expect(await summaries('f')).toMatchObject({
      rows: 1,
      spans: 2,
      errors: 1,
      root: ['gateway', 'op 1'],
    })
  })
  it('rebuilds the trace summaries of an older store (migration 10): every trace summarized again from its spans, in the new types', async () => {
    const sec = Math.floor(Date.now() / 1000)
    const c = (query: string) => storage.ingest.command({ query })
    // The summaries as migration 6 first made them: the root's order and the keys as tuples.
    await c('DROP VIEW otel.skein_trace_summary_mv SYNC')
    await c('DROP TABLE otel.skein_trace_summary SYNC')
    await c(`CREATE TABLE otel.skein_trace_summary (
      Minute DateTime, TraceId String,
      Start SimpleAggregateFunction(min, DateTime64(9)), LastStart SimpleAggregateFunction(max, DateTime64(9)),
      EndNs SimpleAggregateFunction(max, Int64), SpanCount SimpleAggregateFunction(sum, UInt64),
      ErrorCount SimpleAggregateFunction(sum, UInt64),
      Root AggregateFunction(argMin, Tuple(String, String), Tuple(UInt8, DateTime64(9))),
      Services SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
      Keys SimpleAggregateFunction(groupUniqArrayArray, Array(Tuple(UInt64, UInt64, UInt64)))
    ) ENGINE = AggregatingMergeTree ORDER BY (Minute, TraceId)`)
    await c(`CREATE MATERIALIZED VIEW otel.skein_trace_summary_mv TO otel.skein_trace_summary AS
      SELECT toStartOfMinute(min(Timestamp)) AS Minute, TraceId, min(Timestamp) AS Start, max(Timestamp) AS LastStart,
        max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) AS EndNs, count() AS SpanCount,
        countIf(StatusCode = 'Error') AS ErrorCount,
        argMinState((toString(ServiceName), toString(SpanName)), (toUInt8(ParentSpanId != ''), Timestamp)) AS Root,
        groupUniqArray(toString(ServiceName)) AS Services,
        groupUniqArray((cityHash64(toString(ServiceName)), cityHash64(toString(SpanName)), cityHash64(toString(StatusCode)))) AS Keys
      FROM otel.otel_traces GROUP BY TraceId`)
    const trace = '9'.repeat(32)
    await storage.ingest.insert({
      table: 'otel.otel_traces',
      format: 'JSONEachRow',
      values: [
        {
          Timestamp: `${sec + 1}000000000`,
          TraceId: trace,
          SpanId: '2'.repeat(16),
          ParentSpanId: '1'.repeat(16),
          SpanName: 'query',
          ServiceName: 'db',
          Duration: 5,
          StatusCode: 'Error',
        },
        {
          Timestamp: `${sec}000000000`,
          TraceId: trace,
          SpanId: '1'.repeat(16),
          ParentSpanId: '',
          SpanName: 'GET /',
          ServiceName: 'web',
          Duration: 9_000_000_000,
          StatusCode: 'Unset',
        },
      ],
    })
    for (const statement of rebuildTraceSummary(storage.schema)) await c(statement)
    const rs = await storage.query.query({
      query: `SELECT count() AS rows, toUInt32(sum(SpanCount)) AS spans, toUInt32(sum(ErrorCount)) AS errors,
          argMinMerge(Root) AS root, arraySort(groupUniqArrayArray(Services)) AS services,
          arrayExists(k -> toUInt64(bitShiftRight(k, 64)) = cityHash64('db') AND bitAnd(k, 3) = 3, groupUniqArrayArray(Keys)) AS dbError,
          toTypeName(any(Keys)) AS keysType
        FROM otel.skein_trace_summary WHERE TraceId = {t:String}`,
      query_params: { t: trace },
      format: 'JSONEachRow',
    })
    expect((await rs.json())[0]).toEqual({
      rows: 1,
      spans: 2,
      errors: 1,
      root: ['web', 'GET /'],
      services: ['db', 'web'],
      dbError: 1,
      keysType: 'SimpleAggregateFunction(groupUniqArrayArray, Array(UInt128))',
    })
    // And the view of the rebuilt table keeps new spans.
    await storage.ingest.insert({
      table: 'otel.otel_traces',
      format: 'JSONEachRow',
      values: [
        {
          Timestamp: `${sec}000000000`,
          TraceId: '8'.repeat(32),
          SpanId: '3'.repeat(16),
          ParentSpanId: '',
          SpanName: 'GET /a',
          ServiceName: 'web',
          Duration: 1,
          StatusCode: 'Ok',
        },
      ],
    })
    const again = await storage.query.query({
      query: `SELECT argMinMerge(Root) AS root FROM otel.skein_trace_summary WHERE TraceId = {t:String}`,
      query_params: { t: '8'.repeat(32) },
      format: 'JSONEachRow',
    })
    expect(await again.json()).toEqual([{ root: ['web', 'GET /a'] }])
  })
  it('keeps spans by service: the same RED and latency aggregates as the spans give, older spans backfilled', async () => {
    const sec = Math.floor(Date.now() / 1000)
    const services = ['checkout', 'payments', 'search']
    const kinds = ['Server', 'Client', 'Internal', 'Consumer']
    const rows = (seed: number) =>
      Array.from({ length: 3000 }, (_, n) => ({
        Timestamp: `${sec - (n % 600)}${String((n * 7919) % 1e9).padStart(9, '0')}`,
        TraceId: (seed * 100_000 + Math.floor(n / 4)).toString(16).padStart(32, '0'),
        SpanId: (seed * 100_000 + n + 1).toString(16).padStart(16, '0'),
        ParentSpanId: n % 4 === 0 ? '' : (seed * 100_000 + n).toString(16).padStart(16, '0'),
        ServiceName: services[n % 3],
        SpanName: `op ${n % 7}`,
        SpanKind: kinds[(n * 5 + seed) % 4],
        StatusCode: n % 11 === 0 ? 'Error' : 'Unset',
        Duration: ((n * 104_729 + seed) % 900_000_000) + 1000,
      }))
    const insert = (values: object[]) =>
      storage.ingest.insert({ table: 'otel.otel_traces', values, format: 'JSONEachRow' })
    // RED and latency's shape: per service, operation and minute, requests (entry spans), errors and
    // quantiles of all spans; from the spans with ENTRY_SPAN, from the copy with ENTRY_ROW.
    const aggregates = async (from: string, entry: string) => {
      const rs = await storage.query.query({
        query: `SELECT ServiceName, SpanName, toStartOfMinute(Timestamp) AS m, count() AS n,
            countIf(${entry}) AS requests, countIf(StatusCode = 'Error') AS errors,
            quantiles(0.5, 0.95, 0.99)(Duration) AS p, groupArray(SpanKind) AS kinds
          FROM otel.${from} WHERE ServiceName IN ('checkout', 'payments', 'search')
          GROUP BY ServiceName, SpanName, m ORDER BY ServiceName, SpanName, m`,
        format: 'JSONEachRow',
      })
      return (await rs.json()) as { n: string; kinds: string[] }[]
    }
    const fromSpans = () =>
      aggregates('otel_traces', "SpanKind IN ('Server', 'Consumer') OR ParentSpanId = ''")
    const fromCopy = () =>
      aggregates('skein_spans_by_service', "SpanKind IN ('Server', 'Consumer') OR Root = 1")
    const sortKinds = (a: { kinds: string[] }[]) => a.map((r) => ({ ...r, kinds: [...r.kinds].sort() }))
    await insert(rows(1))
    const spans = await fromSpans()
    expect(spans.reduce((a, r) => a + Number(r.n), 0)).toBe(3000)
    expect(sortKinds(await fromCopy())).toEqual(sortKinds(spans))
    // Spans stored before the copy existed: the migration's backfill copies them (and only them).
    await storage.ingest.command({ query: 'DROP VIEW otel.skein_spans_by_service_mv' })
    await storage.ingest.command({ query: 'TRUNCATE TABLE otel.skein_spans_by_service' })
    await insert(rows(2))
    for (const statement of spansByServiceTable(storage.schema))
      await storage.ingest.command({ query: statement })
    const all = await fromSpans()
    expect(all.reduce((a, r) => a + Number(r.n), 0)).toBe(6000)
    expect(sortKinds(await fromCopy())).toEqual(sortKinds(all))
  })
  it('records every migration once and can be applied again (idempotent)', async () => {
    const again = await openStorage(loadConfig({ dataDir }, {})).catch((e) => e)
    // A second engine on the same path in one process is refused by chDB; the real re-run is the restart test.
    if (!(again instanceof Error)) await again.close()
    const rs = await storage.query.query({
      query: 'SELECT Version FROM otel.skein_schema_version FINAL ORDER BY Version',
      format: 'JSONEachRow',
    })
    expect(((await rs.json()) as { Version: number }[]).map((r) => r.Version)).toEqual(
      MIGRATIONS.map((m) => m.version),
    )
  })
})

describe('cluster mode DDL', () => {
  const o = { database: 'otel', retentionDays: 30, cluster: 'skein' }
  it('creates replicated local tables and distributed tables sharded by trace id, ON CLUSTER', () => {
    const [local, dist] = tracesTable(o)
    expect(local).toContain('CREATE TABLE IF NOT EXISTS `otel`.`otel_traces_local` ON CLUSTER `skein`')
    expect(local).toContain(
      "ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
    )
    expect(dist).toContain('ENGINE = Distributed(`skein`, `otel`, `otel_traces_local`, cityHash64(TraceId))')
    const [, , view] = traceIdTsTable(o)
    expect(view).toContain('TO `otel`.`otel_traces_trace_id_ts_local`')
    expect(view).toContain('FROM `otel`.`otel_traces_local`')
    expect(logsTable(o)[1]).toContain('cityHash64(TraceId)')
  })
  it('creates the trace summaries replicated, distributed by trace id, filled from the local spans', () => {
    const [local, dist, view, backfill] = traceSummaryTable(o)
    expect(local).toContain(
      'CREATE TABLE IF NOT EXISTS `otel`.`skein_trace_summary_local` ON CLUSTER `skein`',
    )
    expect(local).toContain(
      "ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
    )
    expect(local).not.toContain('non_replicated_deduplication_window')
    expect(dist).toContain(
      'ENGINE = Distributed(`skein`, `otel`, `skein_trace_summary_local`, cityHash64(TraceId))',
    )
    expect(view).toContain('`otel`.`skein_trace_summary_local_mv` ON CLUSTER `skein`')
    expect(view).toContain('TO `otel`.`skein_trace_summary_local`')
    expect(view).toContain('FROM `otel`.`otel_traces_local`')
    // The backfill reads every shard's spans and writes through the Distributed table.
    expect(backfill).toContain('INSERT INTO `otel`.`skein_trace_summary`')
    expect(backfill).toContain('FROM `otel`.`otel_traces`\n')
  })
})
