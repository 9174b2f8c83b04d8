/**
 * Every route of the query port, declared once: path, parameters, body and answers. The collector
 * registers its handlers through this table (their answers type-checked against `response`, serialized
 * by it), and the OpenAPI document at /api/v1/openapi.json is generated from it (openapi.ts).
 */
import Type, { type TObject, type TSchema } from 'typebox'
import { EventsAnswer, RuleInput, RulePatch, RulesAnswer, RuleView, SilenceInput } from './alerts.js'
import { COMPACT_MEDIA_TYPE } from './compact.js'
import { CompareAnswer, CompareQuery, TraceDiffAnswer, TraceDiffPath } from './compare.js'
import {
  AlertEventsQuery,
  AlertRulePath,
  DependenciesQuery,
  LatencyQuery,
  LogPatternsQuery,
  LogSearchQuery,
  LogVolumeQuery,
  OperationsPath,
  OperationsQuery,
  RedQuery,
  ServicesQuery,
  SlowSpansQuery,
  SpanPath,
  TracePath,
  TraceQuery,
  TraceSearchQuery,
} from './params.js'
import {
  CompactTraceAnswer,
  DependenciesAnswer,
  Health,
  LatencyAnswer,
  LogPatternsAnswer,
  LogSearchAnswer,
  LogVolumeAnswer,
  OperationsAnswer,
  RedAnswer,
  ServicesAnswer,
  SlowSpansAnswer,
  SpanDetailAnswer,
  TraceAnswer,
  TraceSearchAnswer,
} from './responses.js'

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

export interface RouteSpec {
  method: Method
  /** fastify's spelling: `:name` for a path parameter. */
  url: string
  summary: string
  description?: string
  tags: readonly string[]
  params?: TObject
  querystring?: TObject
  body?: TSchema
  /** Successful answers by status (a 204's schema is `Type.Null()`: no body). */
  response: { readonly [status: number]: TSchema }
  /** Media type of the successful answers; JSON unless said. */
  produces?: string
  /** Refusals it may answer, each `{"error":{"code","message"}}`. */
  errors: readonly number[]
  /** Answered without the query token (`--query-token`). */
  public?: boolean
}

/** The refusals every route behind the token may answer. */
const READ = [400, 401, 503] as const
const BY_ID = [400, 401, 404, 503] as const

const route = <const R extends RouteSpec>(r: R): R => r

export const ROUTES = {
  health: route({
    method: 'GET',
    url: '/health',
    summary: 'Whether storage is ready',
    tags: ['meta'],
    response: { 200: Health, 503: Health },
    errors: [],
    public: true,
  }),
  openapi: route({
    method: 'GET',
    url: '/api/v1/openapi.json',
    summary: 'This document',
    tags: ['meta'],
    response: { 200: Type.Unknown({ description: 'An OpenAPI 3.1 document' }) },
    errors: [401],
  }),
  listServices: route({
    method: 'GET',
    url: '/api/v1/services',
    summary: 'Services seen in the time range, in spans or logs',
    tags: ['traces'],
    querystring: ServicesQuery,
    response: { 200: ServicesAnswer },
    errors: READ,
  }),
  listOperations: route({
    method: 'GET',
    url: '/api/v1/services/:service/operations',
    summary: 'Operations (span names) of one service, with their span kind',
    tags: ['traces'],
    params: OperationsPath,
    querystring: OperationsQuery,
    response: { 200: OperationsAnswer },
    errors: READ,
  }),
  searchTraces: route({
    method: 'GET',
    url: '/api/v1/traces',
    summary: 'Trace search, newest first',
    description:
      'Traces with a span matching every span condition; the duration bounds apply to the whole trace (first span start to last span end).',
    tags: ['traces'],
    querystring: TraceSearchQuery,
    response: { 200: TraceSearchAnswer },
    errors: READ,
  }),
  getTrace: route({
    method: 'GET',
    url: '/api/v1/traces/:traceId',
    summary: 'One trace: its spans in start order and its log lines',
    tags: ['traces'],
    params: TracePath,
    querystring: TraceQuery,
    response: { 200: TraceAnswer },
    errors: BY_ID,
  }),
  getTraceCompact: route({
    method: 'GET',
    url: '/api/v1/traces/:traceId/compact',
    summary: 'One trace in compact form: per span only what a waterfall row needs, as binary columns',
    description:
      "For traces too large for the whole form (a million spans is about 40 MB): ids, parent, service, name, kind and status as dictionary indexes, start, duration and log count. A span's attributes, events and logs: /api/v1/traces/{traceId}/spans/{spanId}.",
    tags: ['traces'],
    params: TracePath,
    response: { 200: CompactTraceAnswer },
    produces: COMPACT_MEDIA_TYPE,
    errors: BY_ID,
  }),
  getTraceSpan: route({
    method: 'GET',
    url: '/api/v1/traces/:traceId/spans/:spanId',
    summary: 'One span of a trace, whole, with its log lines',
    tags: ['traces'],
    params: SpanPath,
    response: { 200: SpanDetailAnswer },
    errors: BY_ID,
  }),
  compare: route({
    method: 'GET',
    url: '/api/v1/compare',
    summary: 'What sets a selection of requests (slow, failing, with an attribute) apart from the rest',
    description:
      "The compared spans are a service's entry spans (kind Server or Consumer, or roots) in the range, of an operation if given. The selection (duration bounds, status, attributes: at least one) is compared with the rest (or all, baseline=all): attribute key=value pairs over-represented in it, descendant operations by path that occur more often, more times or take longer in its traces, and log patterns of its traces. Ranked by a test statistic (two-proportion z, Welch t); past the sample sizes, a uniform sample of traces, whose size the answer gives.",
    tags: ['traces'],
    querystring: CompareQuery,
    response: { 200: CompareAnswer },
    errors: READ,
  }),
  diffTraces: route({
    method: 'GET',
    url: '/api/v1/traces/:a/diff/:b',
    summary: 'Two traces matched span by span: what only one has, what got slower',
    description:
      'Spans are matched by path (service: name from the root, with a sibling index among siblings of the same service and name). deltaMs is b minus a.',
    tags: ['traces'],
    params: TraceDiffPath,
    response: { 200: TraceDiffAnswer },
    errors: BY_ID,
  }),
  searchLogs: route({
    method: 'GET',
    url: '/api/v1/logs',
    summary: 'Log search, newest first',
    tags: ['logs'],
    querystring: LogSearchQuery,
    response: { 200: LogSearchAnswer },
    errors: READ,
  }),
  logVolume: route({
    method: 'GET',
    url: '/api/v1/logs/volume',
    summary: 'Log lines per time bucket and level',
    description:
      'The lines that /api/v1/logs would search (same filters), counted per bucket of the step and per level. Empty buckets are present.',
    tags: ['logs'],
    querystring: LogVolumeQuery,
    response: { 200: LogVolumeAnswer },
    errors: READ,
  }),
  logPatterns: route({
    method: 'GET',
    url: '/api/v1/logs/patterns',
    summary: 'Log lines grouped by template, most frequent first',
    description:
      'The lines that /api/v1/logs would search (same filters), grouped by template: numbers, ids, UUIDs and quoted values masked as <*>, on the first 1,024 characters of each line. Each pattern has its count, a series per bucket and its newest line. Up to a million lines are masked at once; past that, a uniform sample of about a million, with counts scaled up (sampled, sampleRate).',
    tags: ['logs'],
    querystring: LogPatternsQuery,
    response: { 200: LogPatternsAnswer },
    errors: READ,
  }),
  slowSpans: route({
    method: 'GET',
    url: '/api/v1/spans/slow',
    summary: 'The slowest spans, slowest first',
    tags: ['traces'],
    querystring: SlowSpansQuery,
    response: { 200: SlowSpansAnswer },
    errors: READ,
  }),
  operationLatency: route({
    method: 'GET',
    url: '/api/v1/operations/latency',
    summary: 'Per-operation count, errors and p50/p95/p99',
    tags: ['metrics'],
    querystring: LatencyQuery,
    response: { 200: LatencyAnswer },
    errors: READ,
  }),
  redSeries: route({
    method: 'GET',
    url: '/api/v1/metrics/red',
    summary: 'Requests, errors and duration percentiles per time bucket',
    description: 'Requests are entry spans (kind Server or Consumer, or roots), as alert rules count them.',
    tags: ['metrics'],
    querystring: RedQuery,
    response: { 200: RedAnswer },
    errors: READ,
  }),
  dependencies: route({
    method: 'GET',
    url: '/api/v1/dependencies',
    summary: 'Calls between services (parent span in one, child span in another)',
    tags: ['metrics'],
    querystring: DependenciesQuery,
    response: { 200: DependenciesAnswer },
    errors: READ,
  }),
  listAlertRules: route({
    method: 'GET',
    url: '/api/v1/alerts/rules',
    summary: 'Alert rules with their live state',
    tags: ['alerts'],
    response: { 200: RulesAnswer },
    errors: [401, 503],
  }),
  createAlertRule: route({
    method: 'POST',
    url: '/api/v1/alerts/rules',
    summary: 'Creates a rule',
    tags: ['alerts'],
    body: RuleInput,
    response: { 201: RuleView },
    errors: READ,
  }),
  getAlertRule: route({
    method: 'GET',
    url: '/api/v1/alerts/rules/:id',
    summary: 'One rule with its live state',
    tags: ['alerts'],
    params: AlertRulePath,
    response: { 200: RuleView },
    errors: BY_ID,
  }),
  updateAlertRule: route({
    method: 'PUT',
    url: '/api/v1/alerts/rules/:id',
    summary: 'Changes a rule: absent fields keep their value, null clears an optional one',
    tags: ['alerts'],
    params: AlertRulePath,
    body: RulePatch,
    response: { 200: RuleView },
    errors: BY_ID,
  }),
  deleteAlertRule: route({
    method: 'DELETE',
    url: '/api/v1/alerts/rules/:id',
    summary: 'Deletes a rule',
    tags: ['alerts'],
    params: AlertRulePath,
    response: { 204: Type.Null({ description: 'No content' }) },
    errors: BY_ID,
  }),
  silenceAlertRule: route({
    method: 'POST',
    url: '/api/v1/alerts/rules/:id/silence',
    summary: 'Withholds notifications until a time (acknowledge); evaluation goes on',
    tags: ['alerts'],
    params: AlertRulePath,
    body: SilenceInput,
    response: { 200: RuleView },
    errors: BY_ID,
  }),
  unsilenceAlertRule: route({
    method: 'DELETE',
    url: '/api/v1/alerts/rules/:id/silence',
    summary: 'Ends a silence',
    tags: ['alerts'],
    params: AlertRulePath,
    response: { 200: RuleView },
    errors: BY_ID,
  }),
  alertEvents: route({
    method: 'GET',
    url: '/api/v1/alerts/events',
    summary: 'Alert events, newest first',
    tags: ['alerts'],
    querystring: AlertEventsQuery,
    response: { 200: EventsAnswer },
    errors: READ,
  }),
} as const

export type RouteName = keyof typeof ROUTES
