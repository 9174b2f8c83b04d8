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
  truncated: Type.Boolean({
    description:
      'The server stopped at its span limit (or at maxSpans, sending none); the trace has more spans',
  }),
  spanCount: Type.Optional(
    Type.Number({ description: 'With maxSpans: how many spans the trace has (none are sent past maxSpans)' }),
  ),
  spans: Type.Array(Span, { description: 'By start time' }),
  logs: Type.Array(LogRecord, { description: 'By timestamp' }),
})
export type TraceAnswer = Static<typeof TraceAnswer>

/** The compact form of a trace: binary, laid out as model/src/compact.ts says. */
export const CompactTraceAnswer = Type.Unsafe<Uint8Array>({
  type: 'string',
  format: 'binary',
  description:
    'Little-endian: "SKCT", a u32 header length, a JSON header (trace id, start, span count, dictionaries of services, names, kinds and status codes, where each column starts and its type), then one column per field, each aligned to 8 bytes: start and duration (f64 ns), parent (i32 position; -1 none, -2 not in the trace), service, name, kind, status (dictionary indexes), logs (count), id (16 ASCII bytes). @skein/model decodes it (decodeCompactTrace).',
})
export type CompactTraceAnswer = Static<typeof CompactTraceAnswer>

export const SpanDetailAnswer = Type.Object({
  traceId: Type.String(),
  spans: Type.Array(Span, { description: 'The spans with this id: one, unless the trace repeats an id' }),
  logs: Type.Array(LogRecord, { description: "The span's log lines, by timestamp" }),
})
export type SpanDetailAnswer = Static<typeof SpanDetailAnswer>

export const LogSearchAnswer = Type.Object({ logs: Type.Array(LogRecord, { description: 'Newest first' }) })
export type LogSearchAnswer = Static<typeof LogSearchAnswer>

const lines = (description: string) => Type.Number({ description })

/** Lines per level (model/src/levels.ts: the severity number's band, else the severity text). */
export const LevelCounts = Type.Object({
  trace: lines('Severity 1–4'),
  debug: lines('Severity 5–8'),
  info: lines('Severity 9–12'),
  warn: lines('Severity 13–16'),
  error: lines('Severity 17–20'),
  fatal: lines('Severity 21 and above'),
  unknown: lines('No severity number, and a text that names no level'),
})
export type LevelCounts = Static<typeof LevelCounts>

export const LogVolumeBucket = Type.Object({
  t: iso('Bucket start'),
  tMs: Type.Number({ description: 'Bucket start, Unix ms' }),
  total: Type.Number(),
  counts: LevelCounts,
})
export type LogVolumeBucket = Static<typeof LogVolumeBucket>

export const LogVolumeAnswer = Type.Object({
  step: Type.String({ description: 'Bucket width, as the step parameter spells it' }),
  stepMs: Type.Number(),
  buckets: Type.Array(LogVolumeBucket, {
    description: 'Every bucket that meets the range, oldest first, empty ones included',
  }),
  totals: LevelCounts,
  total: Type.Number({ description: 'Lines in the range that match the filters' }),
})
export type LogVolumeAnswer = Static<typeof LogVolumeAnswer>

/** A pattern's newest line: a log line without its flags and attribute maps. */
export const LogPatternExample = Type.Omit(LogRecord, ['traceFlags', 'attributes', 'resource'])
export type LogPatternExample = Static<typeof LogPatternExample>

export const LogPattern = Type.Object({
  pattern: Type.String({
    description:
      'The template: the line with numbers, ids and quoted values masked as <*>; the pattern parameter takes it',
  }),
  count: Type.Number({ description: 'Lines of this pattern (estimated from the sample when sampled)' }),
  share: Type.Number({ description: 'Fraction of the lines, 0..1' }),
  series: Type.Array(Type.Number(), { description: 'Lines per bucket, one per bucketsMs entry' }),
  services: Type.Array(Type.String(), { description: 'Services that wrote it (at most 10)' }),
  example: LogPatternExample,
})
export type LogPattern = Static<typeof LogPattern>

export const LogPatternsAnswer = Type.Object({
  step: Type.String(),
  stepMs: Type.Number(),
  bucketsMs: Type.Array(Type.Number(), { description: 'Bucket starts, Unix ms, oldest first' }),
  lines: Type.Number({ description: 'Lines that match the filters (estimated when sampled)' }),
  patternCount: Type.Number({ description: 'Distinct patterns among the lines masked' }),
  sampled: Type.Boolean({
    description: 'More lines matched than are masked at once: patterns come from a uniform sample',
  }),
  sampleRate: Type.Number({ description: 'Fraction of the lines that were masked, 0..1' }),
  patterns: Type.Array(LogPattern, { description: 'Most frequent first' }),
})
export type LogPatternsAnswer = Static<typeof LogPatternsAnswer>

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
