/**
 * Row shapes of the tables, exactly as they are inserted (JSONCompactEachRow: one array per row, in
 * column order). Decoders produce these; the batcher counts them; the writer inserts them. Positional
 * arrays rather than objects because they are the hot path: they serialize faster and into fewer bytes.
 */

export type StrMap = Record<string, string>

/** Insert column order of `otel_traces` (nested columns flattened, as ClickHouse inserts them). */
export const SPAN_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
] as const

/**
 * One row of `otel_traces`. Timestamps are decimal strings of Unix nanoseconds (they do not fit a
 * double); Duration is nanoseconds as a number (exact below 104 days).
 */
export type SpanRow = [
  timestampNs: string,
  traceId: string,
  spanId: string,
  parentSpanId: string,
  traceState: string,
  spanName: string,
  /** 'Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer' (exporter spelling) */
  spanKind: string,
  serviceName: string,
  resourceAttributes: StrMap,
  scopeName: string,
  scopeVersion: string,
  spanAttributes: StrMap,
  durationNs: number,
  /** 'Unset' | 'Ok' | 'Error' (exporter spelling) */
  statusCode: string,
  statusMessage: string,
  eventsTimestampNs: string[],
  eventsName: string[],
  eventsAttributes: StrMap[],
  linksTraceId: string[],
  linksSpanId: string[],
  linksTraceState: string[],
  linksAttributes: StrMap[],
]

/** Insert column order of `otel_logs` (TimestampTime is a DEFAULT column, filled by ClickHouse). */
export const LOG_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'TraceFlags',
  'SeverityText',
  'SeverityNumber',
  'ServiceName',
  'Body',
  'ResourceSchemaUrl',
  'ResourceAttributes',
  'ScopeSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'LogAttributes',
] as const

export type LogRow = [
  timestampNs: string,
  traceId: string,
  spanId: string,
  traceFlags: number,
  severityText: string,
  severityNumber: number,
  serviceName: string,
  body: string,
  resourceSchemaUrl: string,
  resourceAttributes: StrMap,
  scopeSchemaUrl: string,
  scopeName: string,
  scopeVersion: string,
  scopeAttributes: StrMap,
  logAttributes: StrMap,
]

/** Column indexes, for code that reads rows (tests, the batcher's byte estimate). */
export const S = Object.fromEntries(SPAN_COLUMNS.map((c, i) => [c, i])) as {
  [K in (typeof SPAN_COLUMNS)[number]]: number
}
export const L = Object.fromEntries(LOG_COLUMNS.map((c, i) => [c, i])) as {
  [K in (typeof LOG_COLUMNS)[number]]: number
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
