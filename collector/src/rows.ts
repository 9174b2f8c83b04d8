/**
 * Row shapes of the tables, exactly as they are inserted: one array per row, in column order. Decoders
 * produce these; the batcher counts them; the writer inserts them (RowBinary, or JSONCompactEachRow).
 * Positional arrays rather than objects because they are the hot path: they serialize faster and into
 * fewer bytes.
 *
 * Each table's insert columns are declared once below, as (name, ClickHouse type) in insert order; the
 * rest is derived from that declaration: the column lists, the row types, the named positions `S` and
 * `L` that code reads and writes rows by, and the RowBinary encoder (storage/rowbinary.ts). A test holds
 * the declarations to DESCRIBE of the DDL in storage/schema.ts.
 */

export type StrMap = Record<string, string>

const LC = 'LowCardinality(String)'
const MAP = 'Map(LowCardinality(String), String)'

/**
 * Insert columns of `otel_traces` (nested columns flattened, as ClickHouse inserts them). Timestamps are
 * decimal strings of Unix nanoseconds (they do not fit a double); Duration is nanoseconds as a number
 * (exact below 104 days); SpanKind and StatusCode are spelled as the exporter spells them
 * ('Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer'; 'Unset' | 'Ok' | 'Error').
 */
export const SPAN_TABLE = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['ParentSpanId', 'String'],
  ['TraceState', 'String'],
  ['SpanName', LC],
  ['SpanKind', LC],
  ['ServiceName', LC],
  ['ResourceAttributes', MAP],
  ['ScopeName', 'String'],
  ['ScopeVersion', 'String'],
  ['SpanAttributes', MAP],
  ['Duration', 'UInt64'],
  ['StatusCode', LC],
  ['StatusMessage', 'String'],
  ['Events.Timestamp', 'Array(DateTime64(9))'],
  ['Events.Name', `Array(${LC})`],
  ['Events.Attributes', `Array(${MAP})`],
  ['Links.TraceId', 'Array(String)'],
  ['Links.SpanId', 'Array(String)'],
  ['Links.TraceState', 'Array(String)'],
  ['Links.Attributes', `Array(${MAP})`],
] as const

/** Insert columns of `otel_logs` (TimestampTime is a DEFAULT column, filled by ClickHouse). */
export const LOG_TABLE = [
  ['Timestamp', 'DateTime64(9)'],
  ['TraceId', 'String'],
  ['SpanId', 'String'],
  ['TraceFlags', 'UInt8'],
  ['SeverityText', LC],
  ['SeverityNumber', 'UInt8'],
  ['ServiceName', LC],
  ['Body', 'String'],
  ['ResourceSchemaUrl', LC],
  ['ResourceAttributes', MAP],
  ['ScopeSchemaUrl', LC],
  ['ScopeName', 'String'],
  ['ScopeVersion', LC],
  ['ScopeAttributes', MAP],
  ['LogAttributes', MAP],
] as const

/** A table's insert columns: (name, ClickHouse type) in insert order. */
export type Columns = readonly (readonly [name: string, type: string])[]

/**
 * The JS value a column holds: numbers for the integer columns, StrMap for maps, arrays for arrays, and
 * strings for the rest (DateTime64(9) as decimal Unix nanoseconds).
 */
type ValueOf<T extends string> = T extends 'UInt8' | 'UInt64'
  ? number
  : T extends `Map(${string})`
    ? StrMap
    : T extends `Array(${infer E})`
      ? ValueOf<E>[]
      : string

/** The row of a table: a tuple with each column's value at its position. */
export type RowOf<T extends Columns> = {
  -readonly [K in keyof T]: T[K] extends readonly [string, infer Type extends string] ? ValueOf<Type> : never
}

/** Column name → position, with the position as a literal type so `row[S.Duration]` is typed `number`. */
export type PositionsOf<T extends Columns> = {
  readonly [K in keyof T as K extends `${number}`
    ? T[K] extends readonly [infer Name extends string, string]
      ? Name
      : never
    : never]: K extends `${infer I extends number}` ? I : never
}

type NamesOf<T extends Columns> = {
  readonly [K in keyof T]: T[K] extends readonly [infer N, string] ? N : never
}

function positions<T extends Columns>(table: T): PositionsOf<T> {
  return Object.fromEntries(table.map(([name], i) => [name, i])) as PositionsOf<T>
}

function names<T extends Columns>(table: T): NamesOf<T> {
  return table.map(([name]) => name) as unknown as NamesOf<T>
}

export type SpanRow = RowOf<typeof SPAN_TABLE>
export type LogRow = RowOf<typeof LOG_TABLE>

/** Insert column names of `otel_traces`, in order. */
export const SPAN_COLUMNS = names(SPAN_TABLE)
/** Insert column names of `otel_logs`, in order. */
export const LOG_COLUMNS = names(LOG_TABLE)

/** Positions of the `otel_traces` columns in a SpanRow: `row[S.TraceId]`. */
export const S = positions(SPAN_TABLE)
/** Positions of the `otel_logs` columns in a LogRow: `row[L.Body]`. */
export const L = positions(LOG_TABLE)

/**
 * A row with every column empty: '' for strings, 0 for numbers, and one shared, frozen empty map or array
 * (a decoder puts a fresh one where it fills the column).
 */
function emptyRow<T extends Columns>(table: T): RowOf<T> {
  return table.map(([, type]) =>
    type === 'UInt8' || type === 'UInt64'
      ? 0
      : type.startsWith('Map(')
        ? NO_ATTRS
        : type.startsWith('Array(')
          ? NONE
          : '',
  ) as RowOf<T>
}
const NO_ATTRS: StrMap = Object.freeze({})
const NONE: never[] = Object.freeze([]) as never[]
const EMPTY_SPAN = emptyRow(SPAN_TABLE)
const EMPTY_LOG = emptyRow(LOG_TABLE)

/** A new span row, every column empty, for a decoder to fill by name (`row[S.SpanName] = name`). */
export function newSpanRow(): SpanRow {
  return EMPTY_SPAN.slice() as SpanRow
}

/** A new log row, every column empty, for a decoder to fill by name. */
export function newLogRow(): LogRow {
  return EMPTY_LOG.slice() as LogRow
}

/**
 * What a decoder returns: the rows it could build, and how many items it rejected (bad ids etc.) with
 * the first reason, reported to OTLP clients as `partial_success`.
 */
export interface Decoded<R> {
  rows: R[]
  rejected: number
  rejectReason?: string
}

export const UNKNOWN_SERVICE = 'unknown_service'
