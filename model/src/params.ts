/**
 * The query API's parameters, declared once. Each endpoint's query string (and path) is a TypeBox object
 * whose properties carry every per-parameter rule: type, length, bounds, allowed values, pattern. The
 * collector validates requests against these declarations (collector/src/query/params.ts reads them and
 * answers a 400 `SKEIN_ERR_BAD_PARAM` naming the parameter), the OpenAPI document lists them, and clients
 * build their requests from the `Static` types.
 *
 * Two keywords are Skein's own (OpenAPI allows `x-` keywords in a schema):
 * - `x-expected`: what the message of a refused value says was expected ("32 hex characters").
 * - `x-ignore-case`: an enum matched without regard to case (the canonical spelling is what the server sees).
 */
import Type, { type Static, type TUnsafe } from 'typebox'

export const DEFAULT_LIMIT = 20
/** Larger `limit`s are capped to this, not refused. */
export const MAX_LIMIT = 1000
/** Most values of a repeatable parameter (`attr`). */
export const MAX_REPEATED = 20
/**
 * Largest duration bound, in ms, whose nanoseconds fit ClickHouse's Int64 (about 292 years). Past it the
 * bound wrapped round when sent as nanoseconds and matched every span.
 */
export const MAX_DURATION_MS = Number((2n ** 63n - 1n) / 1_000_000n)
/** Default of `lookback` when neither it nor `start` is given. */
export const DEFAULT_LOOKBACK = '1h'

/** A string parameter that takes one of `values`. */
export function oneOf<const V extends readonly string[]>(
  values: V,
  options: {
    description?: string
    maxLength?: number
    default?: V[number]
    ignoreCase?: boolean
    expected?: string
  } = {},
): TUnsafe<V[number]> {
  const { ignoreCase, expected, ...rest } = options
  return Type.Unsafe<V[number]>({
    type: 'string',
    enum: [...values],
    ...rest,
    ...(ignoreCase ? { 'x-ignore-case': true } : {}),
    ...(expected ? { 'x-expected': expected } : {}),
  })
}

const text = (maxLength: number, description: string) => Type.String({ maxLength, description })

/** A trace id in a request: 32 hex characters, either case (answers spell ids in lowercase). */
const traceId = (description: string, maxLength?: number) =>
  Type.String({
    pattern: '^[0-9a-fA-F]{32}$',
    'x-expected': '32 hex characters',
    ...(maxLength === undefined ? {} : { maxLength }),
    description,
  })

export const TimeRangeQuery = Type.Object({
  start: Type.Optional(text(64, 'Start of the range (inclusive): ISO-8601 or Unix milliseconds')),
  end: Type.Optional(text(64, 'End of the range (exclusive): ISO-8601 or Unix milliseconds; default now')),
  lookback: Type.Optional(
    Type.String({
      maxLength: 16,
      default: DEFAULT_LOOKBACK,
      description: 'Instead of start: how far back from end, e.g. 15m, 1h, 7d',
    }),
  ),
})
export type TimeRangeQuery = Static<typeof TimeRangeQuery>
const range = TimeRangeQuery.properties

const limit = Type.Optional(
  Type.Integer({
    minimum: 1,
    default: DEFAULT_LIMIT,
    description: `How many at most; larger values are capped at ${MAX_LIMIT}`,
  }),
)

const durationBound = (description: string) =>
  Type.Optional(Type.Number({ minimum: 0, maximum: MAX_DURATION_MS, description }))

const service = Type.Optional(text(1024, 'Service name (exact)'))
const operation = Type.Optional(text(1024, 'Operation: span name (exact)'))

export const STATUSES = ['error', 'ok', 'unset'] as const
export type Status = (typeof STATUSES)[number]
const status = Type.Optional(
  oneOf(STATUSES, { maxLength: 16, ignoreCase: true, description: 'Span status (any case)' }),
)

export const ServicesQuery = TimeRangeQuery
export type ServicesQuery = Static<typeof ServicesQuery>

export const OperationsPath = Type.Object({
  service: Type.String({
    minLength: 1,
    maxLength: 1024,
    'x-expected': 'a service name',
    description: 'Service name',
  }),
})
export type OperationsPath = Static<typeof OperationsPath>
export const OperationsQuery = TimeRangeQuery
export type OperationsQuery = Static<typeof OperationsQuery>

export const TraceSearchQuery = Type.Object({
  service: Type.Optional(text(1024, 'Traces with a span of this service')),
  operation: Type.Optional(text(1024, 'Traces with a span of this name')),
  minDurationMs: durationBound('Traces at least this long (ms, first span start to last span end)'),
  maxDurationMs: durationBound('Traces at most this long (ms); not below minDurationMs'),
  status,
  attr: Type.Optional(
    Type.Array(text(2048, 'key=value'), {
      maxItems: MAX_REPEATED,
      description: 'Span or resource attribute key=value (repeatable; all on the same span)',
    }),
  ),
  ...range,
  limit,
})
export type TraceSearchQuery = Static<typeof TraceSearchQuery>

export const TracePath = Type.Object({ traceId: traceId('Trace id: 32 hex characters') })
export type TracePath = Static<typeof TracePath>

export const TraceQuery = Type.Object({
  maxSpans: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        'When the trace has more spans than this, send none (and no logs): spanCount says how many, and the compact form (/compact) is the way to show it',
    }),
  ),
})
export type TraceQuery = Static<typeof TraceQuery>

export const SpanPath = Type.Object({
  traceId: traceId('Trace id: 32 hex characters'),
  spanId: Type.String({
    pattern: '^[0-9a-fA-F]{16}$',
    'x-expected': '16 hex characters',
    description: 'Span id: 16 hex characters',
  }),
})
export type SpanPath = Static<typeof SpanPath>

/** Minimum levels, each naming the lowest OpenTelemetry severity number of its range. */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal'] as const
export type Level = (typeof LEVELS)[number]

/** Longest `pattern`: a template is at most 2.5 times the 1,024 characters it is made from (patterns.ts). */
export const MAX_PATTERN_LENGTH = 4096

/** The filters of log search, volume and patterns: the same lines in all three. */
const logFilters = {
  service,
  level: Type.Optional(
    oneOf(LEVELS, {
      maxLength: 16,
      ignoreCase: true,
      expected: 'one of trace, debug, info, warn, error, fatal',
      description: 'Minimum severity (any case)',
    }),
  ),
  q: Type.Optional(text(1024, 'Literal, case-sensitive substring of the log body')),
  ignoreCase: Type.Optional(
    Type.Boolean({ description: 'With q: match without regard to case (true or false)' }),
  ),
  traceId: Type.Optional(traceId('Only lines of this trace', 64)),
  pattern: Type.Optional(
    text(
      MAX_PATTERN_LENGTH,
      'Only lines of this pattern: a template as /api/v1/logs/patterns gives it (numbers, ids and quoted values masked as <*>)',
    ),
  ),
  ...range,
}

export const LogSearchQuery = Type.Object({ ...logFilters, limit })
export type LogSearchQuery = Static<typeof LogSearchQuery>

export const SlowSpansQuery = Type.Object({
  service,
  operation,
  minDurationMs: durationBound('Spans at least this long (ms)'),
  status,
  ...range,
  limit,
})
export type SlowSpansQuery = Static<typeof SlowSpansQuery>

export const LATENCY_SORTS = ['count', 'p50', 'p95', 'p99', 'errorRate', 'errors', 'name'] as const
export type LatencySort = (typeof LATENCY_SORTS)[number]

export const LatencyQuery = Type.Object({
  service,
  operation,
  sort: Type.Optional(
    oneOf(LATENCY_SORTS, { maxLength: 32, default: 'count', description: 'Order of the operations' }),
  ),
  ...range,
})
export type LatencyQuery = Static<typeof LatencyQuery>

export const STEPS = ['10s', '30s', '1m', '5m', '15m', '30m', '1h', '6h', '1d'] as const
export type Step = (typeof STEPS)[number]
/** More points than a chart can show is a mistake in the request, and a large response. */
export const MAX_POINTS = 2000

export const RedQuery = Type.Object({
  service,
  operation,
  step: Type.Optional(
    oneOf(STEPS, {
      maxLength: 8,
      default: '1m',
      description: `Bucket width; at most ${MAX_POINTS} buckets over the range`,
    }),
  ),
  ...range,
})
export type RedQuery = Static<typeof RedQuery>

/** Buckets a log volume or pattern series aims at when no step is asked for. */
export const LOG_BUCKETS = 200

const logStep = Type.Optional(
  oneOf(STEPS, {
    maxLength: 8,
    description: `Bucket width; by default the smallest that gives at most ${LOG_BUCKETS} buckets over the range, and at most ${MAX_POINTS} buckets in any case`,
  }),
)

export const LogVolumeQuery = Type.Object({ ...logFilters, step: logStep })
export type LogVolumeQuery = Static<typeof LogVolumeQuery>

export const DEFAULT_PATTERNS = 50
export const MAX_PATTERNS = 500

export const LogPatternsQuery = Type.Object({
  ...logFilters,
  step: logStep,
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      default: DEFAULT_PATTERNS,
      description: `How many patterns at most, the most frequent; larger values are capped at ${MAX_PATTERNS}`,
    }),
  ),
})
export type LogPatternsQuery = Static<typeof LogPatternsQuery>

export const DependenciesQuery = TimeRangeQuery
export type DependenciesQuery = Static<typeof DependenciesQuery>

export const AlertRulePath = Type.Object({
  id: Type.String({ description: 'Rule id' }),
})
export type AlertRulePath = Static<typeof AlertRulePath>

export const AlertEventsQuery = Type.Object({
  ruleId: Type.Optional(text(64, 'Only events of this rule')),
  limit,
})
export type AlertEventsQuery = Static<typeof AlertEventsQuery>
