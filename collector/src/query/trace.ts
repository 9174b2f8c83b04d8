/**
 * A trace by id: whole with its logs (/traces/{id}), in compact form (/traces/{id}/compact, for traces
 * too large for the whole form), and one span of it whole with its logs (/traces/{id}/spans/{spanId}).
 * Each reads the trace's time bounds from `otel_traces_trace_id_ts` first and then scans only that window
 * of `otel_traces`; logs are found by TraceId within the trace's own bounds widened by a margin (never a
 * window around "now").
 */
import {
  type CompactInput,
  encodeCompactColumns,
  encodeCompactTrace,
  MISSING_PARENT,
  NO_PARENT,
  type SpanDetailAnswer,
  type TraceAnswer,
} from '@skein/model'
import { skeinError } from '../errors.js'
import type { Db } from './db.js'
import {
  type LogRowOut,
  logOut,
  type SpanRowOut,
  STORED_ROW_SETTINGS,
  type StoredLog,
  type StoredSpan,
  spanOut,
  storedLogRow,
  storedSpanRow,
} from './shapes.js'
import { type Fragment, p, sql, trusted } from './sql.js'

/** Most spans returned for one trace; the UI virtualizes, but the wire and the heap need a bound. */
export const MAX_TRACE_SPANS = 100_000
export const MAX_TRACE_LOGS = 20_000
/** Most spans of the compact form: about 40 bytes each on the wire, 80 MB at this bound. */
export const MAX_COMPACT_SPANS = 2_000_000
/** Logs may be written a little before or after their trace's spans (clock skew, async work). */
export const LOG_MARGIN_SECONDS = 300
/**
 * The lookup table's End is the last span's start, not its end: logs are looked for up to this long
 * after it, which covers spans of up to an hour. Wide windows cost little: the TraceId bloom filter
 * does the skipping.
 */
export const LOG_TAIL_SECONDS = 3600

interface Bounds {
  /** The window of otel_traces that holds the trace's spans. */
  spans: Fragment
  /** The window of otel_logs to look for its lines in. */
  logs: Fragment
}

/**
 * The trace's time bounds (a few ms: the lookup table is small and keyed by TraceId); an id it does not
 * know is a 404 without touching the big tables.
 */
async function traceBounds(db: Db, traceId: string): Promise<Bounds> {
  // Its rows (one per trace and insert, until merged), min and max taken here: an aggregate costs the
  // engine about 0.9 ms more a query (in-process p50 1.9 against 2.8 ms, 300 ids × 2 alternated rounds).
  const rows = await db.rows<{ Start: string | number; End: string | number }>(sql`
    SELECT Start, End FROM ${db.table('otel_traces_trace_id_ts')} PREWHERE TraceId = ${p.String(traceId)}
    SETTINGS ${trusted(STORED_ROW_SETTINGS)}`)
  if (rows.length === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  const bounds = { s: Number.POSITIVE_INFINITY, e: 0 }
  for (const r of rows) {
    bounds.s = Math.min(bounds.s, Number(r.Start))
    bounds.e = Math.max(bounds.e, Number(r.End))
  }
  return {
    spans: sql`Timestamp >= toDateTime64(${p.UInt32(bounds.s)}, 9)
        AND Timestamp < toDateTime64(${p.UInt32(bounds.e + 1)}, 9)`,
    logs: sql`TimestampTime >= toDateTime(${p.UInt32(Math.max(0, bounds.s - LOG_MARGIN_SECONDS))})
        AND TimestampTime <= toDateTime(${p.UInt32(bounds.e + LOG_MARGIN_SECONDS + LOG_TAIL_SECONDS)})`,
  }
}

/** Decimal strings of non-negative integers (ns) in numeric order, without a BigInt per comparison. */
const byDecimal = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)
const byStart = (a: SpanRowOut, b: SpanRowOut) =>
  byDecimal(a.startNs, b.startNs) || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0)
const byTimestamp = (a: LogRowOut, b: LogRowOut) => byDecimal(a.timestampNs, b.timestampNs)

/** The first `limit` stored rows of a trace by start time: for a trace past the bounds of getTrace. */
async function ordered<Row extends StoredSpan | StoredLog>(
  db: Db,
  table: 'otel_traces' | 'otel_logs',
  traceId: string,
  window: Fragment,
  limit: number,
): Promise<Row[]> {
  const rows = await db.rows<{ row: string }>(sql`
    SELECT formatRowNoNewline('JSONEachRow', *) AS row FROM ${db.table(table)}
    PREWHERE TraceId = ${p.String(traceId)} WHERE ${window}
    ORDER BY Timestamp${trusted(table === 'otel_traces' ? ', SpanId' : '')} LIMIT ${p.UInt32(limit)}
    SETTINGS ${trusted(STORED_ROW_SETTINGS)}`)
  return rows.map((r) => JSON.parse(r.row))
}

/**
 * A trace's spans and log lines (of one span only, given `spanId`) in start order, in one statement:
 * the stored rows as JSON (`*`), converted here. Naming and converting columns in SQL, as before, and
 * ordering there cost the engine more than reading: a query's expressions are analyzed on every query.
 * In-process p50 over 181 traces × 2 alternated rounds, 10M production-shaped spans: 13.1 → 10.4 ms
 * (ORDER BY alone 0.9 ms); through HTTP on the same data, alternated, with the bounds as raw rows too:
 * 23.1 → 17.4 ms. Unordered, a LIMIT keeps arbitrary rows, so each side reads one more than its bound,
 * and a trace past it is read again in order (ordered()).
 */
async function readTrace(
  db: Db,
  traceId: string,
  window: Bounds,
  spanId?: string,
): Promise<{ spans: SpanRowOut[]; logs: LogRowOut[]; truncated: boolean }> {
  const only = spanId === undefined ? sql`` : sql` AND SpanId = ${p.String(spanId)}`
  const spansIn = sql`${window.spans}${only}`
  const logsIn = sql`${window.logs}${only}`
  const rows = await db.rows<{ k: number; row: string }>(sql`
    SELECT 0 AS k, formatRowNoNewline('JSONEachRow', *) AS row
    FROM ${db.table('otel_traces')}
    PREWHERE TraceId = ${p.String(traceId)}
    WHERE ${spansIn}
    LIMIT ${p.UInt32(MAX_TRACE_SPANS + 1)}
    UNION ALL
    SELECT 1 AS k, formatRowNoNewline('JSONEachRow', *) AS row
    FROM ${db.table('otel_logs')}
    PREWHERE TraceId = ${p.String(traceId)}
    WHERE ${logsIn}
    LIMIT ${p.UInt32(MAX_TRACE_LOGS + 1)}
    SETTINGS ${trusted(STORED_ROW_SETTINGS)}`)
  let spans: SpanRowOut[] = []
  let logs: LogRowOut[] = []
  for (const r of rows) {
    if (Number(r.k) === 0) spans.push(storedSpanRow(JSON.parse(r.row)))
    else logs.push(storedLogRow(JSON.parse(r.row)))
  }
  const truncated = spans.length > MAX_TRACE_SPANS
  if (truncated)
    spans = (await ordered<StoredSpan>(db, 'otel_traces', traceId, spansIn, MAX_TRACE_SPANS)).map(
      storedSpanRow,
    )
  if (logs.length > MAX_TRACE_LOGS)
    logs = (await ordered<StoredLog>(db, 'otel_logs', traceId, logsIn, MAX_TRACE_LOGS)).map(storedLogRow)
  spans.sort(byStart)
  logs.sort(byTimestamp)
  return { spans, logs, truncated }
}

export async function getTrace(
  db: Db,
  traceId: string,
  options: { maxSpans?: number } = {},
): Promise<TraceAnswer> {
  // Where the time goes (issue 21, bench:query's 10M production-shaped spans in-process): most of it is
  // the engine's fixed cost per statement, CPU spent analyzing and planning it before any read (SELECT 1
  // about 0.7 ms; the span read's plan alone 4–5 ms of its 9–10 against an empty table), so there are
  // two statements and each is kept plain: the bounds (traceBounds), then spans and logs in one UNION
  // ALL of stored rows the engine formats as JSON. chDB runs statements with parameters one at a time,
  // process-wide (chdb-node's queryBindAsync): as two statements spans and logs would cost their sum.
  // Reads are small since storage/schema.ts SPAN_ORDER_BY (a trace is one granule), LOG_GRANULARITY and
  // SMALL_BLOCK. Measured and not kept: the bounds as a scalar subquery of one statement (slower),
  // engine settings (threads, read method, uncompressed cache, prefetch, condition cache, skip indexes,
  // the old analyzer); fully merged parts (2 instead of 26–38) save about 2 ms.
  const window = await traceBounds(db, traceId)
  let spanCount: number | undefined
  if (options.maxSpans !== undefined) {
    // Counting reads two narrow columns of the window: far less than the spans it may spare sending.
    const [c] = await db.rows<{ n: string }>(sql`
      SELECT count() AS n FROM ${db.table('otel_traces')}
      PREWHERE TraceId = ${p.String(traceId)} WHERE ${window.spans}`)
    spanCount = Number(c?.n ?? 0)
    if (spanCount === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
    if (spanCount > options.maxSpans) return { traceId, truncated: true, spanCount, spans: [], logs: [] }
  }
  const { spans, logs, truncated } = await readTrace(db, traceId, window)
  if (spans.length === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  return {
    traceId,
    truncated,
    ...(spanCount === undefined ? {} : { spanCount }),
    spans: spans.map(spanOut),
    logs: logs.map(logOut),
  }
}

/** The slow path's columns as one row of arrays: a million rows as objects cost ten times the memory. */
interface CompactRow {
  n: string
  startNs: string
  ids: string[]
  parents: string[]
  services: string[]
  names: string[]
  kinds: string[]
  statuses: string[]
  starts: number[]
  durations: number[]
  logs: number[]
}

/**
 * The fast path's columns, dictionary-encoded by ClickHouse: ids as one text, parents and ids numbered
 * together (arrayEnumerateDense: equal strings, equal numbers), each dictionary column as numbers and its
 * words in order of first appearance. No JSON string per span but the one text.
 */
interface DenseRow {
  n: string
  startNs: string
  oddIds: string
  idText: string
  parentText: string
  family: number[]
  serviceIdx: number[]
  serviceDict: string[]
  nameIdx: number[]
  nameDict: string[]
  kindIdx: number[]
  kindDict: string[]
  statusIdx: number[]
  statusDict: string[]
  starts: number[]
  durations: number[]
  logs: number[]
}

const sorted = (starts: readonly number[]) => {
  for (let i = 1; i < starts.length; i++) if (starts[i] < starts[i - 1]) return false
  return true
}

/** Dictionary indexes from ClickHouse's 1-based dense numbers. */
const fromDense = (words: string[], dense: readonly number[]) => {
  const index = new Uint32Array(dense.length)
  for (let i = 0; i < dense.length; i++) index[i] = dense[i] - 1
  return { words, index }
}

/** Spans in start order (then id), as the whole form lists them, whatever order the arrays came in. */
function inStartOrder(r: CompactRow): void {
  let inOrder = true
  for (let i = 1; i < r.starts.length && inOrder; i++)
    if (r.starts[i] < r.starts[i - 1] || (r.starts[i] === r.starts[i - 1] && r.ids[i] < r.ids[i - 1]))
      inOrder = false
  if (inOrder) return
  const order = r.starts.map((_, i) => i)
  order.sort((a, b) => r.starts[a] - r.starts[b] || (r.ids[a] < r.ids[b] ? -1 : r.ids[a] > r.ids[b] ? 1 : 0))
  const keys = [
    'ids',
    'parents',
    'services',
    'names',
    'kinds',
    'statuses',
    'starts',
    'durations',
    'logs',
  ] as const
  for (const key of keys) (r as unknown as Record<string, unknown[]>)[key] = order.map((i) => r[key][i])
}

/**
 * The compact form of a trace (model/src/compact.ts): per span what a waterfall row needs. ClickHouse
 * dictionary-encodes the columns and numbers ids and parents, so that a million spans come as numbers and
 * one text of ids instead of six million JSON strings (the first version, kept as the fallback for ids that
 * are not 16 characters, spent 3.7–4.3 s of its 4.5–5.8 s for a million spans reading them). Each span's
 * log count comes from a map of the trace's log lines by span, applied in ClickHouse (transform).
 */
export async function getTraceCompact(db: Db, traceId: string): Promise<Uint8Array> {
  const window = await traceBounds(db, traceId)
  const id = p.String(traceId)
  // Keys and values of the log-count map start with '' → 0: transform wants non-empty arrays.
  const logCounts = sql`(
    SELECT (arrayConcat([''], groupArray(SpanId)), arrayConcat([toUInt32(0)], groupArray(c))) FROM (
      SELECT SpanId, toUInt32(count()) AS c FROM ${db.table('otel_logs')}
      PREWHERE TraceId = ${id}
      WHERE ${window.logs} AND SpanId != ''
      GROUP BY SpanId))`
  const spans = sql`(
    SELECT toUnixTimestamp64Nano(Timestamp) AS ts, SpanId, ParentSpanId, ServiceName, SpanName, SpanKind,
      StatusCode, Duration
    FROM ${db.table('otel_traces')}
    PREWHERE TraceId = ${id}
    WHERE ${window.spans}
    ORDER BY Timestamp, SpanId
    LIMIT ${p.UInt32(MAX_COMPACT_SPANS)})`
  const dense = (column: string, name: string) =>
    trusted(`arrayEnumerateDense(groupArray(${column})) AS ${name}Idx,
      arrayFilter((x, u) -> u = 1, groupArray(${column}), arrayEnumerateUniq(groupArray(${column}))) AS ${name}Dict`)
  const [row] = await db.rows<DenseRow>(sql`
    WITH ${logCounts} AS lc
    SELECT count() AS n, min(ts) AS t0, toString(t0) AS startNs,
      countIf(length(SpanId) != 16) AS oddIds,
      arrayStringConcat(groupArray(SpanId)) AS idText,
      arrayStringConcat(groupArray(ParentSpanId), '\n') AS parentText,
      arrayEnumerateDense(arrayConcat([''], groupArray(SpanId), groupArray(ParentSpanId))) AS family,
      ${dense('ServiceName', 'service')}, ${dense('SpanName', 'name')}, ${dense('SpanKind', 'kind')},
      ${dense('StatusCode', 'status')},
      arrayMap(t -> toFloat64(t - t0), groupArray(ts)) AS starts,
      groupArray(toFloat64(Duration)) AS durations,
      groupArray(transform(SpanId, lc.1, lc.2, toUInt32(0))) AS logs
    FROM ${spans}`)
  const n = Number(row?.n ?? 0)
  if (!row || n === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  const bytes = Number(row.oddIds) === 0 && sorted(row.starts) ? fromDenseRow(traceId, row, n) : undefined
  if (bytes) return bytes

  // Ids that are not 16 characters (another writer's, or damaged): each as its own JSON string.
  const [slow] = await db.rows<CompactRow>(sql`
    WITH ${logCounts} AS lc
    SELECT count() AS n, min(ts) AS t0, toString(t0) AS startNs,
      groupArray(SpanId) AS ids, groupArray(ParentSpanId) AS parents, groupArray(ServiceName) AS services,
      groupArray(SpanName) AS names, groupArray(SpanKind) AS kinds, groupArray(StatusCode) AS statuses,
      arrayMap(t -> toFloat64(t - t0), groupArray(ts)) AS starts,
      groupArray(toFloat64(Duration)) AS durations,
      groupArray(transform(SpanId, lc.1, lc.2, toUInt32(0))) AS logs
    FROM ${spans}`)
  if (!slow || Number(slow.n) === 0) throw skeinError('NOT_FOUND', `no trace with id ${traceId}`)
  inStartOrder(slow)
  const input: CompactInput = {
    traceId,
    truncated: Number(slow.n) >= MAX_COMPACT_SPANS,
    startNs: slow.startNs,
    spanId: slow.ids,
    parentSpanId: slow.parents,
    service: slow.services,
    name: slow.names,
    kind: slow.kinds,
    statusCode: slow.statuses,
    startOffsetNs: slow.starts,
    durationNs: slow.durations,
    logCount: slow.logs,
  }
  return encodeCompactTrace(input)
}

/** The compact form from the dictionary-encoded row, or undefined when the row cannot be trusted as such. */
function fromDenseRow(traceId: string, row: DenseRow, n: number): Uint8Array | undefined {
  const { family } = row
  if (family.length !== 2 * n + 1 || row.idText.length !== 16 * n) return undefined
  // family[0] numbers '' (no parent); family[1 + i] span i's id; family[1 + n + i] its parent's id.
  const noParent = family[0]
  let top = 0
  for (const f of family) if (f > top) top = f
  const firstAt = new Int32Array(top + 1).fill(-1)
  for (let i = n - 1; i >= 0; i--) firstAt[family[1 + i]] = i
  const parent = new Int32Array(n)
  const missing: number[] = []
  for (let i = 0; i < n; i++) {
    const f = family[1 + n + i]
    if (f === noParent) parent[i] = NO_PARENT
    else if (firstAt[f] >= 0) parent[i] = firstAt[f]
    else {
      parent[i] = MISSING_PARENT
      missing.push(i)
    }
  }
  const missingParents: Record<string, string> = {}
  if (missing.length > 0) {
    // Parent ids are joined by newlines: one that holds a newline would shift the rest; then no fast path.
    const parents = row.parentText.split('\n')
    if (parents.length !== n) return undefined
    for (const i of missing) missingParents[i] = parents[i]
  }
  const idText = row.idText
  return encodeCompactColumns({
    traceId,
    truncated: n >= MAX_COMPACT_SPANS,
    startNs: row.startNs,
    spanCount: n,
    spanId: (i) => idText.substring(16 * i, 16 * i + 16),
    idText,
    parent,
    missingParents,
    services: fromDense(row.serviceDict, row.serviceIdx),
    names: fromDense(row.nameDict, row.nameIdx),
    kinds: fromDense(row.kindDict, row.kindIdx),
    statuses: fromDense(row.statusDict, row.statusIdx),
    startOffsetNs: row.starts,
    durationNs: row.durations,
    logCount: row.logs,
  })
}

/** One span of a trace, whole, with its log lines: what the compact form leaves out. */
export async function getTraceSpan(db: Db, traceId: string, spanId: string): Promise<SpanDetailAnswer> {
  const window = await traceBounds(db, traceId)
  const { spans, logs } = await readTrace(db, traceId, window, spanId)
  if (spans.length === 0) throw skeinError('NOT_FOUND', `no span with id ${spanId} in trace ${traceId}`)
  return { traceId, spans: spans.map(spanOut), logs: logs.map(logOut) }
}
