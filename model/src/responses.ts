/**
 * The query API's answers, declared once (shared/API.md lists the fields clients may rely on; these
 * schemas list every field sent, since the collector serializes through them and a field left out here
 * is a field dropped from the wire). Conventions: ids are lowercase hex; `…Ns` timestamps and durations
 * are decimal strings (they do not fit in a double), with ISO-8601 and millisecond companions.
 */
import Type, { type Static } from 'typebox'

const ns = (description: string) => Type.String({ pattern: '^-?[0-9]+$', description })
const iso = (description: string) => Type.String({ description })

/** Attribute maps (span, resource, event, link, log attributes): open, string values. */
export const Attributes = Type.Record(Type.String(), Type.String())
export type Attributes = Static<typeof Attributes>

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'SKEIN_ERR_…, stable; tests and clients match on it' }),
      message: Type.String({ description: 'What was wrong, naming the parameter or field' }),
    }),
  },
  {
    description:
      'Every refusal: 400 bad parameter, 401 no valid token, 404 unknown id, 503 storage unavailable',
  },
)
export type ErrorBody = Static<typeof ErrorBody>

export const Health = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]) })
export type Health = Static<typeof Health>

export const ServiceRef = Type.Object({ name: Type.String() })
export type ServiceRef = Static<typeof ServiceRef>
export const ServicesAnswer = Type.Object({ services: Type.Array(ServiceRef) })
export type ServicesAnswer = Static<typeof ServicesAnswer>

export const Operation = Type.Object({
  name: Type.String(),
  spanKind: Type.String(),
  count: Type.Number({ description: 'Spans of this name and kind in the range' }),
})
export type Operation = Static<typeof Operation>
export const OperationsAnswer = Type.Object({ operations: Type.Array(Operation) })
export type OperationsAnswer = Static<typeof OperationsAnswer>

export const TraceSummary = Type.Object({
  traceId: Type.String(),
  rootService: Type.String(),
  rootName: Type.String(),
  startNs: ns('First span start, Unix ns'),
  start: iso('First span start'),
  durationNs: ns('First span start to last span end'),
  durationMs: Type.Number(),
  spanCount: Type.Number(),
  errorCount: Type.Number(),
  services: Type.Array(Type.String()),
})
export type TraceSummary = Static<typeof TraceSummary>
export const TraceSearchAnswer = Type.Object({ traces: Type.Array(TraceSummary) })
export type TraceSearchAnswer = Static<typeof TraceSearchAnswer>

export const SpanEvent = Type.Object({
  timestampNs: ns('Unix ns'),
  timestamp: iso('ISO-8601'),
  name: Type.String(),
  attributes: Attributes,
})
export type SpanEvent = Static<typeof SpanEvent>

export const SpanLink = Type.Object({
  traceId: Type.String(),
  spanId: Type.String(),
  traceState: Type.String(),
  attributes: Attributes,
})
export type SpanLink = Static<typeof SpanLink>

export const Span = Type.Object({
  traceId: Type.String(),
  spanId: Type.String(),
  parentSpanId: Type.String({ description: 'Empty for a root' }),
  service: Type.String(),
  name: Type.String(),
  kind: Type.String({ description: 'Server, Client, Producer, Consumer, Internal (the exporter spelling)' }),
  startNs: ns('Unix ns'),
  start: iso('ISO-8601'),
  durationNs: ns('ns'),
  durationMs: Type.Number(),
  statusCode: Type.String({ description: 'Unset, Ok, Error' }),
  statusMessage: Type.String(),
  attributes: Attributes,
  resource: Attributes,
  scope: Type.Object(
    { name: Type.String(), version: Type.String() },
    { description: 'Instrumentation scope' },
  ),
  traceState: Type.String(),
  events: Type.Array(SpanEvent),
  links: Type.Array(SpanLink),
})
export type Span = Static<typeof Span>

export const LogRecord = Type.Object({
  timestampNs: ns('Unix ns'),
  timestamp: iso('ISO-8601'),
  service: Type.String(),
  severityText: Type.String(),
  severityNumber: Type.Number(),
  body: Type.String(),
  traceId: Type.String({ description: 'Empty when the line was written outside a trace' }),
  spanId: Type.String(),
  traceFlags: Type.Number(),
  attributes: Attributes,
  resource: Attributes,
})
export type LogRecord = Static<typeof LogRecord>

export const TraceAnswer = Type.Object({
  traceId: Type.String(),
  truncated: Type.Boolean({ description: 'The server stopped at its span limit; the trace has more spans' }),
  spans: Type.Array(Span, { description: 'By start time' }),
  logs: Type.Array(LogRecord, { description: 'By timestamp' }),
})
export type TraceAnswer = Static<typeof TraceAnswer>

export const LogSearchAnswer = Type.Object({ logs: Type.Array(LogRecord, { description: 'Newest first' }) })
export type LogSearchAnswer = Static<typeof LogSearchAnswer>

export const SlowSpan = Type.Object({
  traceId: Type.String(),
  spanId: Type.String(),
  parentSpanId: Type.String(),
  service: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  startNs: ns('Unix ns'),
  start: iso('ISO-8601'),
  durationNs: ns('ns'),
  durationMs: Type.Number(),
  statusCode: Type.String(),
  statusMessage: Type.String(),
})
export type SlowSpan = Static<typeof SlowSpan>
export const SlowSpansAnswer = Type.Object({ spans: Type.Array(SlowSpan, { description: 'Slowest first' }) })
export type SlowSpansAnswer = Static<typeof SlowSpansAnswer>

export const OperationLatency = Type.Object({
  service: Type.String(),
  name: Type.String(),
  count: Type.Number(),
  errorCount: Type.Number(),
  errorRate: Type.Number({ description: '0..1' }),
  p50Ms: Type.Number(),
  p95Ms: Type.Number(),
  p99Ms: Type.Number(),
})
export type OperationLatency = Static<typeof OperationLatency>
export const LatencyAnswer = Type.Object({ operations: Type.Array(OperationLatency) })
export type LatencyAnswer = Static<typeof LatencyAnswer>

const msOrNull = Type.Union([Type.Number(), Type.Null()], {
  description: 'null for a bucket without requests',
})
export const RedPoint = Type.Object({
  t: iso('Bucket start'),
  tMs: Type.Number({ description: 'Bucket start, Unix ms' }),
  requests: Type.Number({ description: 'Entry spans: kind Server or Consumer, or roots' }),
  errors: Type.Number(),
  errorRate: Type.Number(),
  p50Ms: msOrNull,
  p95Ms: msOrNull,
  p99Ms: msOrNull,
})
export type RedPoint = Static<typeof RedPoint>
export const RedAnswer = Type.Object({ step: Type.String(), points: Type.Array(RedPoint) })
export type RedAnswer = Static<typeof RedAnswer>

export const DependencyEdge = Type.Object({
  parent: Type.String(),
  child: Type.String(),
  callCount: Type.Number(),
  errorCount: Type.Number(),
  errorRate: Type.Number(),
})
export type DependencyEdge = Static<typeof DependencyEdge>
export const DependenciesAnswer = Type.Object({ edges: Type.Array(DependencyEdge) })
export type DependenciesAnswer = Static<typeof DependenciesAnswer>
