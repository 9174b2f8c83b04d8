/** Row → API shape conversions shared by the query endpoints (their shapes: @skein/model). */
import type { LogRecord, SlowSpan, Span, SpanEvent, SpanLink } from '@skein/model'
import { nsToIso } from './params.js'

/** Fields a span answer computes from its row rather than reading them (ISO start, duration in ms). */
type Computed = 'start' | 'durationMs'

/** A slow-span row: the SlowSpan answer before its computed fields. */
export type SlowSpanRow = Omit<SlowSpan, Computed>

/** A span row: the Span answer's flat fields as stored, its scope, events and links as columns. */
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

/** SELECT list producing SpanRowOut (its aliases are SpanRowOut's fields). */
export const SPAN_SELECT = `toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, TraceId AS traceId, SpanId AS spanId,
  ParentSpanId AS parentSpanId, ServiceName AS service, SpanName AS name, SpanKind AS kind,
  toString(Duration) AS durationNs, StatusCode AS statusCode, StatusMessage AS statusMessage,
  SpanAttributes AS attributes, ResourceAttributes AS resource, ScopeName AS scopeName, ScopeVersion AS scopeVersion,
  TraceState AS traceState,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventsTs, Events.Name AS eventsName,
  Events.Attributes AS eventsAttrs, Links.TraceId AS linksTraceId, Links.SpanId AS linksSpanId,
  Links.TraceState AS linksTraceState, Links.Attributes AS linksAttrs`

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
