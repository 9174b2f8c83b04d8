/** Row → API shape conversions shared by the query endpoints (their shapes: @skein/model). */
import type { LogRecord, Span, SpanEvent, SpanLink } from '@skein/model'
import { nsToIso } from './params.js'

export interface SpanRowOut {
  startNs: string
  traceId: string
  spanId: string
  parentSpanId: string
  service: string
  name: string
  kind: string
  durationNs: string
  statusCode: string
  statusMessage: string
  attributes: Record<string, string>
  resource: Record<string, string>
  scopeName: string
  scopeVersion: string
  traceState: string
  eventsTs: string[]
  eventsName: string[]
  eventsAttrs: Record<string, string>[]
  linksTraceId: string[]
  linksSpanId: string[]
  linksTraceState: string[]
  linksAttrs: Record<string, string>[]
}

/** SELECT list producing SpanRowOut (aliases are the fields above). */
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

export interface LogRowOut {
  timestampNs: string
  service: string
  severityText: string
  severityNumber: number
  body: string
  traceId: string
  spanId: string
  traceFlags: number
  attributes: Record<string, string>
  resource: Record<string, string>
}

export const LOG_SELECT = `toString(toUnixTimestamp64Nano(Timestamp)) AS timestampNs, ServiceName AS service,
  SeverityText AS severityText, SeverityNumber AS severityNumber, Body AS body, TraceId AS traceId,
  SpanId AS spanId, TraceFlags AS traceFlags, LogAttributes AS attributes, ResourceAttributes AS resource`

export function logOut(r: LogRowOut): LogRecord {
  return { ...r, timestamp: nsToIso(r.timestampNs) }
}
