/**
 * DDL of the tables, the same as the OpenTelemetry Collector ClickHouse exporter's (names, columns,
 * types, codecs, indexes, keys), so the OTel Collector, Grafana's ClickHouse data source and HyperDX can
 * read and write them too; plus Skein's own `skein_` tables. Creation is idempotent and versioned:
 * `skein_schema_version` records applied migrations and start-up applies the missing ones in order.
 *
 * In cluster mode each table is a `Replicated*MergeTree` `<name>_local` ON CLUSTER plus a `Distributed`
 * table `<name>` over it, sharded by trace id so a trace stays on one shard.
 */

export interface SchemaOptions {
  database: string
  retentionDays: number
  cluster?: string
}

export interface Migration {
  version: number
  description: string
  statements: (o: SchemaOptions) => string[]
}

const q = (id: string) => `\`${id.replace(/`/g, '')}\``

function onCluster(o: SchemaOptions): string {
  return o.cluster ? ` ON CLUSTER ${q(o.cluster)}` : ''
}

/** Engine of a data table: plain MergeTree embedded or on one server, replicated on a cluster. */
function engine(
  o: SchemaOptions,
  kind: 'MergeTree' | 'ReplacingMergeTree' | 'AggregatingMergeTree' = 'MergeTree',
  arg = '',
): string {
  if (!o.cluster) return `${kind}(${arg})`
  const args = [`'/clickhouse/tables/{shard}/{database}/{table}'`, `'{replica}'`]
  if (arg) args.push(arg)
  return `Replicated${kind}(${args.join(', ')})`
}

/** The local (storage) table name: the table itself, or `<name>_local` behind a Distributed table. */
export function localName(o: SchemaOptions, table: string): string {
  return o.cluster ? `${table}_local` : table
}

function table(o: SchemaOptions, name: string): string {
  return `${q(o.database)}.${q(localName(o, name))}`
}

function distributed(o: SchemaOptions, name: string, shardingKey: string): string[] {
  if (!o.cluster) return []
  return [
    `CREATE TABLE IF NOT EXISTS ${q(o.database)}.${q(name)}${onCluster(o)} AS ${table(o, name)}
ENGINE = Distributed(${q(o.cluster)}, ${q(o.database)}, ${q(localName(o, name))}, ${shardingKey})`,
  ]
}

function ttl(o: SchemaOptions, column: string): string {
  return `TTL ${column} + toIntervalDay(${Math.floor(o.retentionDays)})`
}

/**
 * Rows per granule of the span table and its trace-id lookup table: 1,024 where the exporter has 8,192.
 * Showing a trace decompresses whole granules, every column, so smaller granules read less. Measured
 * under the exporter's order (service, operation, time), where a trace's spans lie in one granule per
 * (service, operation) pair, on copies of 1M bench spans (2 shared, loaded cores, 60 alternated rounds):
 * a trace's spans min 27.7 / p50 35.9 ms at 8,192, 18.7 / 27.1 ms at 1,024 (512: 22.0 / 30.2, no
 * better); disk 57.4 → 57.8 bytes a span (the marks); the lookup of a trace's bounds 3.5 → 3.1 ms (p50).
 * Under SPAN_ORDER_BY a trace is one or two granules; 256 was measured no faster there (and 1 byte a
 * span more). Only new tables get it: the setting cannot be altered.
 */
export const SPAN_GRANULARITY = 1024

/**
 * The span table's sorting key: ten-minute buckets of start time, then TraceId. The exporter orders by
 * (ServiceName, SpanName, toDateTime(Timestamp)); columns, types, partitioning, indexes and TTL stay
 * the exporter's, so the Collector's exporter, Grafana's ClickHouse data source and HyperDX write and
 * read the table alike (the order is invisible to them but for speed). Why (issue 21):
 * - Under the exporter's order a trace's spans lie in one granule per (service, operation) pair it
 *   crosses, about ten, and showing it decompresses every column of each (22 MB for ten spans, 542
 *   compressed blocks in one measured lookup). Ordered by TraceId within a bucket, they are one granule
 *   (two if the trace crosses a bucket boundary), found on the key without the bloom filter.
 * - A trace's spans side by side compress: its id repeats, parents repeat siblings' ids, its attributes
 *   repeat. Random ids under the exporter's order were at their entropy (TraceId 16.0, SpanId 8.0,
 *   ParentSpanId 7.4 bytes a span): a full second copy ordered by TraceId (a projection or a table), the
 *   other way to a fast lookup, measured +36 bytes a span, where this order saves 17.
 * Measured on copies of the same 10M spans loaded through OTLP/HTTP (bench:query's production-shaped
 * set), quiet machine, alternated: a trace's spans p50 22.8 → 9.1 ms (@clickhouse/client over chDB, the
 * trace's time window given), 48.4 → 32.0 bytes a span (TraceId 16.0 → 2.9, ParentSpanId 7.4 → 4.2;
 * SpanAttributes 4.0 → 6.2 and ResourceAttributes 1.3 → 2.4, no longer next to their operation's).
 * Hour buckets gave the same. Queries by service or operation now read the time range's rows of every
 * service (the bucket prunes by time first); bench:query records them before and after.
 * Only new tables get it (a sorting key cannot be altered in place): a store made before keeps the
 * exporter's order and answers the same, slower.
 */
export const SPAN_ORDER_BY = '(toStartOfTenMinutes(Timestamp), TraceId)'
/** The exporter's own sorting key, for stores made before SPAN_ORDER_BY and for comparison. */
export const EXPORTER_SPAN_ORDER_BY = '(ServiceName, SpanName, toDateTime(Timestamp))'

export function tracesTable(o: SchemaOptions): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table(o, 'otel_traces')}${onCluster(o)} (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = ${engine(o)}
PARTITION BY toDate(Timestamp)
ORDER BY ${SPAN_ORDER_BY}
${ttl(o, 'toDateTime(Timestamp)')}
SETTINGS index_granularity = ${SPAN_GRANULARITY}, ttl_only_drop_parts = 1`,
    ...distributed(o, 'otel_traces', 'cityHash64(TraceId)'),
  ]
}

export function traceIdTsTable(o: SchemaOptions): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table(o, 'otel_traces_trace_id_ts')}${onCluster(o)} (
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = ${engine(o)}
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
${ttl(o, 'toDateTime(Start)')}
SETTINGS index_granularity = ${SPAN_GRANULARITY}, ttl_only_drop_parts = 1`,
    ...distributed(o, 'otel_traces_trace_id_ts', 'cityHash64(TraceId)'),
    // The view reads the local traces table and writes the local lookup table: on a cluster both live
    // on the same shard because both are sharded by cityHash64(TraceId).
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${q(o.database)}.${q(`${localName(o, 'otel_traces_trace_id_ts')}_mv`)}${onCluster(o)}
TO ${table(o, 'otel_traces_trace_id_ts')}
AS SELECT
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS End
FROM ${table(o, 'otel_traces')}
WHERE TraceId != ''
GROUP BY TraceId`,
  ]
}

/** The exporter's tables that take telemetry (the trace-id lookup through its view). */
export const TELEMETRY_TABLES = ['otel_traces', 'otel_traces_trace_id_ts', 'otel_logs'] as const

/**
 * Rows per granule of the log table: 1,024 where the exporter has 8,192 (new stores only: the setting
 * cannot be altered). A trace's lines lie in one granule per service it crossed, found by the TraceId
 * bloom filter, and each is decompressed whole. Measured on copies of bench:query's 1M production-shaped
 * lines (with small compression blocks, SMALL_BLOCK), 3 alternated rounds of 181 traces: a
 * trace's lines 7.7 → 5.7 ms (p50), a one-hour text search 39.6 → 19.2 ms (finer skipping); 38.9 → 39.9
 * bytes a line (the marks).
 */
export const LOG_GRANULARITY = 1024
/**
 * The body's token index spans this many granules: 64 × 1,024 rows, as the exporter's 8 × 8,192, so the
 * index keeps its size (a fixed 32 KB filter per index granule) at the finer granularity.
 */
export const LOG_BODY_INDEX_GRANULARITY = 64

export function logsTable(o: SchemaOptions): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table(o, 'otel_logs')}${onCluster(o)} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TimestampTime DateTime DEFAULT toDateTime(Timestamp),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    TraceFlags UInt8,
    SeverityText LowCardinality(String) CODEC(ZSTD(1)),
    SeverityNumber UInt8,
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    Body String CODEC(ZSTD(1)),
    ResourceSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeSchemaUrl LowCardinality(String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion LowCardinality(String) CODEC(ZSTD(1)),
    ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    LogAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY ${LOG_BODY_INDEX_GRANULARITY}
) ENGINE = ${engine(o)}
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
${ttl(o, 'TimestampTime')}
SETTINGS index_granularity = ${LOG_GRANULARITY}, ttl_only_drop_parts = 1`,
    ...distributed(o, 'otel_logs', 'cityHash64(TraceId)'),
  ]
}

/**
 * Alert rules: one row per version of a rule (Rule is its JSON); the newest version wins, `Deleted` marks
 * removal. Alert events: state changes of the rules, from which a rule's state is recovered on start.
 */
export function alertTables(o: SchemaOptions): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table(o, 'skein_alert_rules')}${onCluster(o)} (
    Id String,
    Version UInt64,
    Deleted UInt8 DEFAULT 0,
    Rule String,
    UpdatedAt DateTime64(3) DEFAULT now64(3)
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'Version')}
ORDER BY Id`,
    ...distributed(o, 'skein_alert_rules', 'cityHash64(Id)'),
    // One row per version of an event: written when the state changes, then again with the webhook's
    // outcome (Notification, JSON) once delivery succeeded or gave up; the newest Version wins.
    `CREATE TABLE IF NOT EXISTS ${table(o, 'skein_alert_events')}${onCluster(o)} (
    Id String,
    RuleId String,
    At DateTime64(3),
    Kind LowCardinality(String),
    State LowCardinality(String),
    ErrorRate Float64,
    P95Ms Float64 DEFAULT 0,
    Requests UInt64,
    Errors UInt64 DEFAULT 0,
    Notification String DEFAULT '',
    Version UInt64
) ENGINE = ${engine(o, 'ReplacingMergeTree', 'Version')}
PARTITION BY toYYYYMM(At)
ORDER BY (RuleId, At, Id)
${ttl(o, 'toDateTime(At)')}`,
    ...distributed(o, 'skein_alert_events', 'cityHash64(RuleId)'),
  ]
}

/**
 * Fewer, wider merges on the tables that take telemetry. The exporter's DDL stays as it is (version 1);
 * this changes only how MergeTree picks parts to merge. At the default base (5) the engine re-merges
 * small freshly inserted parts so often that merging took more CPU than inserting. Measured on 2 cores,
 * 1M spans over OTLP/HTTP (32 requests of 100 in flight), runs alternated: base 5 about 37–45k
 * spans/s with merges taking 0.85 of a core; base 10 about 43–47k (0.65 core, 16 active parts at the
 * end); base 20 about 49–51k (0.5 core, 22–30 parts). Parts stay far below the engine's insert
 * throttle (1,000 per partition).
 */
export function ingestTuning(o: SchemaOptions): string[] {
  return TELEMETRY_TABLES.map(
    (name) => `ALTER TABLE ${table(o, name)}${onCluster(o)} MODIFY SETTING merge_selector_base = 20`,
  )
}

/**
 * The columns read whole when a trace is shown but rarely filtered on: attribute maps, the scope, span
 * events and link attributes. Their text is wide (about 160 of the 330 bytes a span has before
 * compression) and repetitive, so ZSTD(1) buys little disk over LZ4 and costs most of the time of
 * showing a trace: a trace's spans sit in about ten 8,192-row granules, each decompressed in full.
 * Measured on copies of 10M bench spans, alternated rounds of trace-by-id (spans): ZSTD 51 ms, these
 * columns in LZ4 36 ms, all columns in LZ4 34 ms; disk 55.7, 58.1 and 91.9 bytes per span. Ids and
 * timestamps keep ZSTD: hex ids halve under it. Only the codec changes (no mutation): new parts, and
 * old ones as they merge, are written with it. The span table's two attribute maps are ZSTD(3) since
 * migration 7 (COMPACT_CODECS).
 */
export const FAST_READ_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  otel_traces: [
    'ResourceAttributes',
    'SpanAttributes',
    'ScopeName',
    'ScopeVersion',
    'Events.Timestamp',
    'Events.Name',
    'Events.Attributes',
    'Links.Attributes',
  ],
  otel_logs: ['ResourceAttributes', 'ScopeAttributes', 'LogAttributes', 'ScopeName'],
}

export function fastReadCodecs(o: SchemaOptions): string[] {
  return Object.entries(FAST_READ_COLUMNS).map(
    ([name, columns]) =>
      `ALTER TABLE ${table(o, name)}${onCluster(o)} ${columns.map((c) => `MODIFY COLUMN ${q(c)} CODEC(LZ4)`).join(', ')}`,
  )
}

/**
 * Insert deduplication for the write-ahead log's replays (pipeline/wal.ts): each insert carries an
 * `insert_deduplication_token` derived from its log segment, and a segment inserted but not yet removed
 * when the process died is inserted again on start-up. A plain MergeTree remembers no inserts unless told
 * to (a Replicated one keeps `replicated_deduplication_window` by default, so a cluster needs nothing);
 * the view's target table too, as the insert dedupes its dependent views
 * (`deduplicate_blocks_in_dependent_materialized_views`). Checked on chDB: a second insert with the same
 * token stores nothing, in the table or through the view.
 */
export function insertDeduplication(o: SchemaOptions): string[] {
  if (o.cluster) return []
  return TELEMETRY_TABLES.map((name) => `ALTER TABLE ${table(o, name)} MODIFY SETTING ${DEDUPLICATION}`)
}

/** The deduplication window of insertDeduplication, for a plain MergeTree (none on a cluster). */
const DEDUPLICATION = 'non_replicated_deduplication_window = 1000'

/** The window as a trailing setting of Skein's own tables kept from the spans (see insertDeduplication). */
function dedupSetting(o: SchemaOptions): string {
  return o.cluster ? '' : `, ${DEDUPLICATION}`
}

/**
 * Trace summaries for trace search (query/trace-search.ts): one row per trace and insert (and, once
 * merged, per trace and minute of its first span), so that search filters and sorts traces without
 * reading spans. A trace whose spans arrive in several inserts minutes apart has several rows; search
 * aggregates them at read time (GROUP BY TraceId), and merges fold rows of the same trace and minute
 * (AggregatingMergeTree: min/max/sum columns, the root as an argMin state, the (service, operation,
 * status) keys of its spans and its services as unions). The root is the span without a parent, else
 * the earliest. Keys let a search ask "a span of this service with this operation and this status" of
 * the summary; they are hashes, since a search reads the keys of every trace of its range: as strings
 * they took 520–820 ms of a 1.3 s search over an hour of 50M spans (245k traces); as numbers, on the
 * 10M set (same data, same run, loaded cores), a service + duration search took p50 210 against 245 ms
 * (min 122 against 152) and the table 84 against 102 bytes a trace. A false match needs a 64-bit
 * collision of two service names or a 62-bit one of two operation names. Attribute filters still read
 * spans. Start/LastStart are span starts, EndNs the last span end (ns).
 * Ordered by (Minute, TraceId): a search reads its time range's rows on the key.
 *
 * The view runs at every insert of spans, so its cost is ingest's (issue 21: ingest not slower than
 * before). Each column that is not a plain number cost about as much as the rest of the view: the
 * root's order as a tuple (UInt8, DateTime64) and the keys as a tuple of three hashes go through the
 * engine's generic (per-value) paths. As numbers (SUMMARY_ROOT_ORDER: one UInt64; summaryKey: one
 * UInt128) they take the fast ones. Measured (engine insert of 100k spans of 10k traces, alternated in
 * one process, merges stopped, ms over the span table alone, median of 9): tuples 96, the root order as
 * a number 73, the keys as a number 74, both and the services from the LowCardinality column 57
 * (the view with none of the three: 15).
 */
export function traceSummaryTable(o: SchemaOptions): string[] {
  // A plain MergeTree remembers no inserts unless told to: replays of the write-ahead log must not
  // count a trace's spans twice (see insertDeduplication). Replicated tables dedupe already.
  const dedup = dedupSetting(o)
  return [
    `CREATE TABLE IF NOT EXISTS ${table(o, 'skein_trace_summary')}${onCluster(o)} (
    Minute DateTime CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime64(9)) CODEC(ZSTD(1)),
    LastStart SimpleAggregateFunction(max, DateTime64(9)) CODEC(ZSTD(1)),
    EndNs SimpleAggregateFunction(max, Int64) CODEC(ZSTD(1)),
    SpanCount SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    ErrorCount SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Root AggregateFunction(argMin, Tuple(String, String), UInt64) CODEC(ZSTD(1)),
    Services SimpleAggregateFunction(groupUniqArrayArray, Array(String)) CODEC(ZSTD(1)),
    Keys SimpleAggregateFunction(groupUniqArrayArray, Array(UInt128)) CODEC(ZSTD(1))
) ENGINE = ${engine(o, 'AggregatingMergeTree')}
PARTITION BY toDate(Minute)
ORDER BY (Minute, TraceId)
${ttl(o, 'Minute')}
SETTINGS ttl_only_drop_parts = 1${dedup}`,
    // Local spans into local summaries: both sharded by cityHash64(TraceId), so on the same shard.
    ...keptFromSpans(o, 'skein_trace_summary', 'cityHash64(TraceId)', traceSummarySelect),
  ]
}

/**
 * A table kept from the spans: Distributed over it on a cluster, the view that fills it from the local
 * spans, and a backfill of the spans stored before it (migrations run before the collector takes
 * telemetry; a writer that inserts while one runs may see its spans counted twice), through the
 * Distributed tables on a cluster, so every shard's spans are read and the rows sharded alike.
 */
function keptFromSpans(
  o: SchemaOptions,
  name: string,
  shardingKey: string,
  select: (from: string) => string,
): string[] {
  return [
    ...distributed(o, name, shardingKey),
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${q(o.database)}.${q(`${localName(o, name)}_mv`)}${onCluster(o)}
TO ${table(o, name)}
AS ${select(table(o, 'otel_traces'))}`,
    `INSERT INTO ${q(o.database)}.${q(name)}
${select(`${q(o.database)}.${q('otel_traces')}`)}`,
  ]
}

/**
 * The order in which a trace's root is chosen, as one number: spans without a parent first (bit 63
 * clear), then the earliest (ns since 1970 in the low 63 bits; a start before 1970 counts as 1970).
 */
const SUMMARY_ROOT_ORDER =
  "bitOr(toUInt64(greatest(toUnixTimestamp64Nano(Timestamp), 0)), bitShiftLeft(toUInt64(ParentSpanId != ''), 63))"

/** The bits of a summary key's low half that hold the operation's hash (the other 2 hold the status). */
export const SUMMARY_OPERATION_MASK = '0xFFFFFFFFFFFFFFFC'

/** A summary key's status field: 1, 2, 3 for these; 0 for any other text. */
export const SUMMARY_STATUSES = ['Unset', 'Ok', 'Error'] as const

/**
 * A summary key of (service, operation, status) as one UInt128: cityHash64 of the service in the high
 * 64 bits, cityHash64 of the operation without its 2 low bits, and the status (SUMMARY_STATUSES) in
 * those 2 bits. The arguments are SQL expressions; query/trace-search.ts reads the fields back with
 * SUMMARY_KEY_FIELDS.
 */
export function summaryKey(service: string, operation: string, status: string): string {
  const statuses = `[${SUMMARY_STATUSES.map((x) => `'${x}'`).join(', ')}]`
  return `bitOr(bitShiftLeft(toUInt128(cityHash64(toString(${service}))), 64), toUInt128(bitOr(bitAnd(cityHash64(toString(${operation})), ${SUMMARY_OPERATION_MASK}), indexOf(${statuses}, toString(${status})))))`
}

/** The fields of a summary key `k` (summaryKey), each with what it equals for a given value. */
export const SUMMARY_KEY_FIELDS = {
  /** = cityHash64(service) */
  service: 'toUInt64(bitShiftRight(k, 64))',
  /** = bitAnd(cityHash64(operation), SUMMARY_OPERATION_MASK) */
  operation: `bitAnd(toUInt64(bitAnd(k, 0xFFFFFFFFFFFFFFFF)), ${SUMMARY_OPERATION_MASK})`,
  /** = the 1-based index in SUMMARY_STATUSES */
  status: 'toUInt8(bitAnd(k, 3))',
} as const

/**
 * The trace summaries dropped and made again (view, table, Distributed on a cluster) with the DDL of
 * traceSummaryTable, backfilled from the spans: for a change of its column types. `SYNC`, so that a
 * replicated table's name is free again at once.
 */
export function rebuildTraceSummary(o: SchemaOptions): string[] {
  const name = 'skein_trace_summary'
  return [
    `DROP VIEW IF EXISTS ${q(o.database)}.${q(`${localName(o, name)}_mv`)}${onCluster(o)} SYNC`,
    ...(o.cluster ? [`DROP TABLE IF EXISTS ${q(o.database)}.${q(name)}${onCluster(o)} SYNC`] : []),
    `DROP TABLE IF EXISTS ${table(o, name)}${onCluster(o)} SYNC`,
    ...traceSummaryTable(o),
  ]
}

function traceSummarySelect(from: string): string {
  return `SELECT
    toStartOfMinute(min(Timestamp)) AS Minute,
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS LastStart,
    max(toUnixTimestamp64Nano(Timestamp) + toInt64(Duration)) AS EndNs,
    count() AS SpanCount,
    countIf(StatusCode = 'Error') AS ErrorCount,
    argMinState((toString(ServiceName), toString(SpanName)), ${SUMMARY_ROOT_ORDER}) AS Root,
    groupUniqArray(ServiceName) AS Services,
    groupUniqArray(${summaryKey('ServiceName', 'SpanName', 'StatusCode')}) AS Keys
FROM ${from}
WHERE TraceId != ''
GROUP BY TraceId`
}

/**
 * Codecs that make spans smaller on disk without making a trace slower to read (issue 21: ≤ 45 bytes a
 * span). Ids are random hex, at their entropy already (16 + 8 + 8 bytes a span); what compresses is the
 * rest. Measured on copies of half the 10M bench:query spans (whole traces), each copy written and merged
 * alike, bytes a span on disk and a trace's spans read alternated on loaded cores (p50 / min ms, two
 * runs): as before 57.3 (36.1 / 31.1; 25.4 / 20.5), these codecs 50.4 (24.2 / 19.2), the same with the
 * maps at ZSTD(6) 49.1 (33.0 / 27.6; 23.5 / 19.4), with the maps at ZSTD(1) and ids as before 54.8 (51.7 /
 * 38.2, the slowest read). ZSTD(3) halves the attribute maps against LZ4 (12.7 → 7.1 bytes) where
 * ZSTD(1) saved a quarter, and reading them costs no more now that a trace reads 1,024-row granules
 * (SPAN_GRANULARITY; migration 4 chose LZ4 at 8,192). Ids were 0.5 bytes less at ZSTD(3), but cost 9% of
 * an insert into the span table (engine insert of 100k spans, alternated, median of 9: 142 against 129
 * ms): back to ZSTD(1) since migration 11. T64 before ZSTD on
 * Duration 3.7 → 3.2; DoubleDelta on Timestamp was worse than Delta (5.7 against 4.9: spans of one
 * operation are not evenly spaced). Levels above 3 cost compression time at every insert and merge for
 * 1–2 bytes: not taken without an ingest measurement. Only the codec changes
 * (no mutation): new parts, and old ones as they merge, are written with it. Types stay the exporter's.
 */
export const COMPACT_CODECS: Readonly<Record<string, string>> = {
  Timestamp: 'Delta(8), ZSTD(3)',
  TraceId: 'ZSTD(1)',
  SpanId: 'ZSTD(1)',
  ParentSpanId: 'ZSTD(1)',
  Duration: 'T64, ZSTD(3)',
  ResourceAttributes: 'ZSTD(3)',
  SpanAttributes: 'ZSTD(3)',
}

export function compactCodecs(o: SchemaOptions): string[] {
  const columns = Object.entries(COMPACT_CODECS).map(([c, codec]) => `MODIFY COLUMN ${q(c)} CODEC(${codec})`)
  return [`ALTER TABLE ${table(o, 'otel_traces')}${onCluster(o)} ${columns.join(', ')}`]
}

/**
 * Spans by service (issue 21, item 4): a narrow copy of every span ordered by the exporter's key
 * (service, operation, time), kept by a view, for the per-service aggregates (RED, per-operation
 * latency, the operations of a service, alert measurements). Since the span table is ordered by time
 * bucket and trace id (SPAN_ORDER_BY), a query for one service would otherwise read the range's spans
 * of every service: on bench:query's 50M spans (1h) RED one service took 52 ms from the spans, 11–14 ms
 * from this copy. Rows, not aggregates: the same queries over the same spans give the same answers
 * (quantiles included), and the copy is small (the columns those queries read; service, operation,
 * kind and status sorted compress to almost nothing): 8.0 bytes a span on the production-shaped set.
 * `Root` is ParentSpanId = '' (entry spans are Server/Consumer spans or roots). Backfilled from the spans
 * stored before it, like the trace summaries.
 */
export function spansByServiceTable(o: SchemaOptions): string[] {
  const dedup = dedupSetting(o)
  return [
    `CREATE TABLE IF NOT EXISTS ${table(o, 'skein_spans_by_service')}${onCluster(o)} (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(3)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    Root UInt8 CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(3))
) ENGINE = ${engine(o)}
PARTITION BY toDate(Timestamp)
ORDER BY ${EXPORTER_SPAN_ORDER_BY}
${ttl(o, 'toDateTime(Timestamp)')}
SETTINGS ttl_only_drop_parts = 1, merge_selector_base = 20${dedup}`,
    ...keptFromSpans(o, 'skein_spans_by_service', 'cityHash64(ServiceName)', spansByServiceSelect),
  ]
}

function spansByServiceSelect(from: string): string {
  return `SELECT Timestamp, ServiceName, SpanName, SpanKind, StatusCode, toUInt8(ParentSpanId = '') AS Root, Duration
FROM ${from}`
}

/**
 * Compression blocks of the tables a trace is read from. MergeTree compresses a column's data in
 * blocks of at least `min_compress_block_size` (64 KB by default), so reading one 1,024-row granule of a
 * narrow column (Duration: 8 KB) decompresses the granules around it too, in each of the 60 or so column
 * streams a trace reads. Measured on copies of bench:query's 10M production-shaped spans (same rows,
 * same parts), 2 alternated rounds of 181 traces, against the default: at 4 KB (about a granule) a
 * trace's spans 10.5 → 8.9 ms (p50), 2.0 MB → 0.38 MB decompressed, 31.9 → 33.8 bytes a span; at 16 KB
 * 9.2 ms, 32.9 bytes; its bounds (the trace-id table) 3.6 → 3.0 ms at 4 KB, 10.3 → 10.7 bytes a lookup
 * row; its logs 7.2 → 7.0 ms at 4 KB; 256-row granules on top: 9.2 ms, 36.5 bytes.
 *
 * Smaller blocks cost every insert and merge (more, smaller compressions): engine insert of 100k spans
 * into the span table alone, alternated in one process, merges stopped, median of 9: 4 KB 142 ms, 16 KB
 * 123, 64 KB 119 (a run before: 136 / 119 / —); 100k log lines: 4 KB 134, 16 KB 127, 64 KB 124. So the
 * spans take 16 KB (most of the read gain, almost none of the insert cost); the trace-id table (rows of
 * a few bytes: the blocks cost nothing there) and the logs keep 4 KB: a trace's lines read by id from
 * the same 1M lines, same parts, alternated, p50 7.0 ms at 4 KB against 8.2 at 64 KB (a text search
 * over an hour the same: 19.8 / 20.1), worth more than 7% of a log insert. Migration 9 set 4 KB on all
 * three; migration 11 sets these. A setting of new parts: older parts get it as they merge.
 */
export const COMPRESS_BLOCKS: Readonly<Record<(typeof TELEMETRY_TABLES)[number], number>> = {
  otel_traces: 16_384,
  otel_traces_trace_id_ts: 4096,
  otel_logs: 4096,
}

export function compressBlocks(o: SchemaOptions): string[] {
  return TELEMETRY_TABLES.map(
    (name) =>
      `ALTER TABLE ${table(o, name)}${onCluster(o)} MODIFY SETTING min_compress_block_size = ${COMPRESS_BLOCKS[name]}`,
  )
}

/**
 * Migration 11: cheaper span inserts (issue 21: ingest not slower than before), the compression blocks
 * of COMPRESS_BLOCKS and the codecs of COMPACT_CODECS (ids back to ZSTD(1)) on stores that have
 * migrations 7 and 9 as they were first written.
 */
export function cheaperInserts(o: SchemaOptions): string[] {
  return [...compressBlocks(o), ...compactCodecs(o)]
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description:
      'OTel Collector ClickHouse exporter tables: otel_traces, otel_traces_trace_id_ts (+ view), otel_logs',
    statements: (o) => [...tracesTable(o), ...traceIdTsTable(o), ...logsTable(o)],
  },
  { version: 2, description: 'alert rules and events', statements: alertTables },
  {
    version: 3,
    description: 'ingest tuning: wider merges (merge_selector_base) on the span and log tables',
    statements: ingestTuning,
  },
  {
    version: 4,
    description: 'LZ4 for the attribute, scope and event columns: a trace reads 1.4x faster',
    statements: fastReadCodecs,
  },
  {
    version: 5,
    description: 'insert deduplication window on the span and log tables: replays of the log store once',
    statements: insertDeduplication,
  },
  {
    version: 6,
    description:
      'trace summaries (skein_trace_summary + view, backfilled): trace search without reading spans',
    statements: traceSummaryTable,
  },
  {
    version: 7,
    description: 'smaller spans: ZSTD(3) on ids and attribute maps, T64 on Duration (codecs only)',
    statements: compactCodecs,
  },
  {
    version: 8,
    description:
      'spans by service (skein_spans_by_service + view, backfilled): per-service aggregates without reading every service',
    statements: spansByServiceTable,
  },
  {
    version: 9,
    description:
      'small compression blocks on the span, trace-id and log tables: a trace decompresses 5x less',
    statements: compressBlocks,
  },
  {
    version: 10,
    description:
      'trace summaries rebuilt with the root order and the keys as numbers: the view costs ingest 40% less',
    statements: rebuildTraceSummary,
  },
  {
    version: 11,
    description: 'cheaper span inserts: 16 KB compression blocks on the span table, ZSTD(1) on span ids',
    statements: cheaperInserts,
  },
]

export function versionTable(o: SchemaOptions): string {
  return `CREATE TABLE IF NOT EXISTS ${table(o, 'skein_schema_version')}${onCluster(o)} (
    Version UInt32,
    Description String,
    AppliedAt DateTime DEFAULT now()
) ENGINE = ${engine(o, 'ReplacingMergeTree')}
ORDER BY Version`
}

export function createDatabase(o: SchemaOptions): string {
  return `CREATE DATABASE IF NOT EXISTS ${q(o.database)}${onCluster(o)}`
}
