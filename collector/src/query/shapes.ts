/** Row → API shape conversions shared by the query endpoints (their shapes: @skein/model). */
import type { LogRecord, SlowSpan, Span, SpanEvent, SpanLink } from '@skein/model'
import { nsToIso } from './params.js'

/** Fields a span answer computes from its row rather than reading them (ISO start, duration in ms). */
type Computed = 'start' | 'durationMs'

/** A slow-span row: the SlowSpan answer before its computed fields. */
export type SlowSpanRow = Omit<SlowSpan, Computed>

/** A span row: the Span answer's flat fields as stored, its scope, events and links as columns (storedSpanRow). */
export interface SpanRowOut extends Omit<Span, Computed | 'scope' | 'events' | 'links'> {
  scopeName: string
  scopeVersion: string
  eventsTs: string[]
  eventsName: string[]
  eventsAttrs: Record<string, string>[]
  linksTraceId: string[]
  linksSpanId: string[]
  linksTraceState: string[]
  linksAttrs: Record<string, string>[]
}

export function durationMs(ns: string): number {
  return Number(ns) / 1e6
}

export function spanOut(r: SpanRowOut): Span {
  return {
    traceId: r.traceId,
    spanId: r.spanId,
    parentSpanId: r.parentSpanId,
    service: r.service,
    name: r.name,
    kind: r.kind,
    startNs: r.startNs,
    start: nsToIso(r.startNs),
    durationNs: r.durationNs,
    durationMs: durationMs(r.durationNs),
    statusCode: r.statusCode,
    statusMessage: r.statusMessage,
    attributes: r.attributes,
    resource: r.resource,
    scope: { name: r.scopeName, version: r.scopeVersion },
    traceState: r.traceState,
    events: r.eventsTs.map(
      (ts, i): SpanEvent => ({
        timestampNs: ts,
        timestamp: nsToIso(ts),
        name: r.eventsName[i],
        attributes: r.eventsAttrs[i] ?? {},
      }),
    ),
    links: r.linksTraceId.map(
      (traceId, i): SpanLink => ({
        traceId,
        spanId: r.linksSpanId[i],
        traceState: r.linksTraceState[i],
        attributes: r.linksAttrs[i] ?? {},
      }),
    ),
  }
}

/** A log row: the LogRecord answer before its ISO timestamp. */
export type LogRowOut = Omit<LogRecord, 'timestamp'>

export const LOG_SELECT = `toString(toUnixTimestamp64Nano(Timestamp)) AS timestampNs, ServiceName AS service,
  SeverityText AS severityText, SeverityNumber AS severityNumber, Body AS body, TraceId AS traceId,
  SpanId AS spanId, TraceFlags AS traceFlags, LogAttributes AS attributes, ResourceAttributes AS resource`

export function logOut(r: LogRowOut): LogRecord {
  return { ...r, timestamp: nsToIso(r.timestampNs) }
}

/**
 * Settings under which a stored row reads as JSON the conversions below take: DateTime64 as unix
 * seconds with the fraction ("1796536376.048215341", whatever the engine's time zone), 64-bit integers
 * as strings (a Duration past 2^53 ns keeps its digits).
 */
export const STORED_ROW_SETTINGS = `date_time_output_format = 'unix_timestamp', output_format_json_quote_64bit_integers = 1`

/** A DateTime64 read under STORED_ROW_SETTINGS ("1796536376.048215341") as integer ns ("1796536376048215341"). */
export function unixToNs(t: string): string {
  const dot = t.indexOf('.')
  const seconds = dot < 0 ? t : t.slice(0, dot)
  const fraction = (dot < 0 ? '' : t.slice(dot + 1)).padEnd(9, '0').slice(0, 9)
  return seconds === '0' ? String(Number(fraction)) : seconds + fraction
}

type Attrs = Record<string, string>

/**
 * A span as `formatRowNoNewline('JSONEachRow', *)` writes the exporter's otel_traces row under
 * STORED_ROW_SETTINGS: its columns by name. Selecting the stored columns and converting here costs the
 * engine less than naming and converting them in SQL: a query's expressions are analyzed on every query.
 */
export interface StoredSpan {
  Timestamp: string
  TraceId: string
  SpanId: string
  ParentSpanId: string
  TraceState: string
  SpanName: string
  SpanKind: string
  ServiceName: string
  ResourceAttributes: Attrs
  ScopeName: string
  ScopeVersion: string
  SpanAttributes: Attrs
  Duration: string
  StatusCode: string
  StatusMessage: string
  'Events.Timestamp': string[]
  'Events.Name': string[]
  'Events.Attributes': Attrs[]
  'Links.TraceId': string[]
  'Links.SpanId': string[]
  'Links.TraceState': string[]
  'Links.Attributes': Attrs[]
}

export function storedSpanRow(s: StoredSpan): SpanRowOut {
  return {
    startNs: unixToNs(s.Timestamp),
    traceId: s.TraceId,
    spanId: s.SpanId,
    parentSpanId: s.ParentSpanId,
    service: s.ServiceName,
    name: s.SpanName,
    kind: s.SpanKind,
    durationNs: String(s.Duration),
    statusCode: s.StatusCode,
    statusMessage: s.StatusMessage,
    attributes: s.SpanAttributes,
    resource: s.ResourceAttributes,
    scopeName: s.ScopeName,
    scopeVersion: s.ScopeVersion,
    traceState: s.TraceState,
    eventsTs: s['Events.Timestamp'].map(unixToNs),
    eventsName: s['Events.Name'],
    eventsAttrs: s['Events.Attributes'],
    linksTraceId: s['Links.TraceId'],
    linksSpanId: s['Links.SpanId'],
    linksTraceState: s['Links.TraceState'],
    linksAttrs: s['Links.Attributes'],
  }
}

/** A log line as `formatRowNoNewline('JSONEachRow', *)` writes the exporter's otel_logs row (StoredSpan). */
export interface StoredLog {
  Timestamp: string
  TraceId: string
  SpanId: string
  TraceFlags: number
  SeverityText: string
  SeverityNumber: number
  ServiceName: string
  Body: string
  ResourceAttributes: Attrs
  LogAttributes: Attrs
}

export function storedLogRow(l: StoredLog): LogRowOut {
  return {
    timestampNs: unixToNs(l.Timestamp),
    service: l.ServiceName,
    severityText: l.SeverityText,
    severityNumber: l.SeverityNumber,
    body: l.Body,
    traceId: l.TraceId,
    spanId: l.SpanId,
    traceFlags: l.TraceFlags,
    attributes: l.LogAttributes,
    resource: l.ResourceAttributes,
  }
}
