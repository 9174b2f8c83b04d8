/**
 * "What is different about slow or failing requests?": the parameters and answer of /api/v1/compare
 * (a selection of entry spans against its baseline) and of /api/v1/traces/{a}/diff/{b} (two traces
 * matched span by span). Declared once, like every other route's shapes (params.ts, responses.ts).
 */
import Type, { type Static } from 'typebox'
import { MAX_DURATION_MS, MAX_REPEATED, oneOf, STATUSES, TimeRangeQuery } from './params.js'
import { Span } from './responses.js'

export const DEFAULT_COMPARE_LIMIT = 10
export const MAX_COMPARE_LIMIT = 100
export const BASELINES = ['rest', 'all'] as const
export type Baseline = (typeof BASELINES)[number]

export const CompareQuery = Type.Object({
  service: Type.String({
    minLength: 1,
    maxLength: 1024,
    'x-expected': 'a service name',
    description: 'The compared spans are entry spans (Server, Consumer or roots) of this service (required)',
  }),
  operation: Type.Optional(Type.String({ maxLength: 1024, description: 'Only spans of this name (exact)' })),
  minDurationMs: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: MAX_DURATION_MS,
      description: 'Selection: spans at least this long (ms)',
    }),
  ),
  maxDurationMs: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: MAX_DURATION_MS,
      description: 'Selection: spans at most this long (ms)',
    }),
  ),
  status: Type.Optional(
    oneOf(STATUSES, { maxLength: 16, ignoreCase: true, description: 'Selection: spans of this status' }),
  ),
  attr: Type.Optional(
    Type.Array(Type.String({ maxLength: 2048, description: 'key=value' }), {
      maxItems: MAX_REPEATED,
      description: 'Selection: spans with this span or resource attribute (repeatable; all must match)',
    }),
  ),
  baseline: Type.Optional(
    oneOf(BASELINES, {
      maxLength: 8,
      default: 'rest',
      description: 'rest: the compared spans outside the selection; all: every compared span',
    }),
  ),
  ...TimeRangeQuery.properties,
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      default: DEFAULT_COMPARE_LIMIT,
      description: `Entries per list at most; larger values are capped at ${MAX_COMPARE_LIMIT}`,
    }),
  ),
})
export type CompareQuery = Static<typeof CompareQuery>

const share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description })
const score = Type.Number({
  description: 'How strongly it sets the selection apart: a test statistic, comparable within its list',
})

export const CompareSide = Type.Object({
  count: Type.Number({ description: 'Compared spans on this side (all of them, not only the sample)' }),
  errorRate: Type.Number({ description: '0..1' }),
  p50Ms: Type.Number(),
  p95Ms: Type.Number(),
})
export type CompareSide = Static<typeof CompareSide>

export const CompareAttribute = Type.Object({
  key: Type.String(),
  value: Type.String(),
  scope: Type.Union([Type.Literal('span'), Type.Literal('resource')]),
  selectionShare: share('Fraction of the sampled selection spans with this key=value'),
  baselineShare: share('Fraction of the sampled baseline spans with this key=value'),
  selectionCount: Type.Number(),
  baselineCount: Type.Number(),
  score,
})
export type CompareAttribute = Static<typeof CompareAttribute>

export const CompareOperation = Type.Object({
  service: Type.String(),
  name: Type.String(),
  path: Type.Array(Type.String(), {
    description: '"service: name" from the compared span down to this operation (no sibling index)',
  }),
  selectionShare: share('Fraction of the sampled selection traces that call it'),
  baselineShare: share('Fraction of the sampled baseline traces that call it'),
  selectionCallsPerTrace: Type.Number(),
  baselineCallsPerTrace: Type.Number(),
  selectionMeanMs: Type.Union([Type.Number(), Type.Null()], { description: 'null when never called there' }),
  baselineMeanMs: Type.Union([Type.Number(), Type.Null()], { description: 'null when never called there' }),
  reason: oneOf(['occurs', 'calls', 'slower'] as const, {
    description: 'Which test gave the score: occurs more often, called more times per trace, or takes longer',
  }),
  score,
})
export type CompareOperation = Static<typeof CompareOperation>

export const CompareLogPattern = Type.Object({
  pattern: Type.String({ description: 'The template, as /api/v1/logs/patterns gives it' }),
  example: Type.String({ description: 'One line of the pattern' }),
  severityText: Type.String(),
  selectionCount: Type.Number({ description: 'Lines of the pattern in the sampled selection traces' }),
  baselineCount: Type.Number({ description: 'Lines of the pattern in the sampled baseline traces' }),
  selectionShare: share('Fraction of the sampled selection traces with a line of it'),
  baselineShare: share('Fraction of the sampled baseline traces with a line of it'),
  score,
})
export type CompareLogPattern = Static<typeof CompareLogPattern>

const sampleSide = Type.Object({ selection: Type.Number(), baseline: Type.Number() })

export const CompareAnswer = Type.Object({
  selection: CompareSide,
  baseline: CompareSide,
  sample: Type.Object(
    {
      sampled: Type.Boolean({
        description: 'Some side had more than the sample size: lists are from a sample',
      }),
      spans: sampleSide,
      traces: sampleSide,
    },
    {
      description:
        'How many compared spans the attributes were counted on, and how many traces the operations and log patterns were read from, per side',
    },
  ),
  attributes: Type.Array(CompareAttribute, {
    description: 'Over-represented in the selection, highest score first',
  }),
  operations: Type.Array(CompareOperation, { description: 'Descendant operations, highest score first' }),
  logs: Type.Array(CompareLogPattern, { description: 'Log patterns of the traces, highest score first' }),
  exampleTraceIds: Type.Object({ selection: Type.Array(Type.String()), baseline: Type.Array(Type.String()) }),
})
export type CompareAnswer = Static<typeof CompareAnswer>

export const TraceDiffPath = Type.Object({
  a: Type.String({
    pattern: '^[0-9a-fA-F]{32}$',
    'x-expected': '32 hex characters',
    description: 'Trace id (before)',
  }),
  b: Type.String({
    pattern: '^[0-9a-fA-F]{32}$',
    'x-expected': '32 hex characters',
    description: 'Trace id (after)',
  }),
})
export type TraceDiffPath = Static<typeof TraceDiffPath>

/** A span in a diff: the span's own fields a waterfall row shows, and where it starts in its trace. */
export const DiffSpan = Type.Object({
  ...Type.Pick(Span, ['spanId', 'service', 'name', 'kind', 'durationMs', 'statusCode', 'statusMessage'])
    .properties,
  offsetMs: Type.Number({ description: "Start, ms after its own trace's start (skew corrected)" }),
})
export type DiffSpan = Static<typeof DiffSpan>

export const DIFF_CHANGES = ['added', 'removed', 'slower', 'faster', 'same'] as const
export type DiffChange = (typeof DIFF_CHANGES)[number]

export const DiffEntry = Type.Object({
  path: Type.Array(Type.String(), {
    description: '"service: name" from the root, a sibling index (" #2") on repeated siblings',
  }),
  depth: Type.Number(),
  a: Type.Union([DiffSpan, Type.Null()]),
  b: Type.Union([DiffSpan, Type.Null()]),
  deltaMs: Type.Union([Type.Number(), Type.Null()], {
    description: "b's duration − a's; null when one is missing",
  }),
  change: oneOf(DIFF_CHANGES, {
    description: 'added: only in b; removed: only in a; slower/faster: by more than the threshold',
  }),
})
export type DiffEntry = Static<typeof DiffEntry>

export const TraceDiffAnswer = Type.Object({
  a: Type.String({ description: 'Trace id a' }),
  b: Type.String({ description: 'Trace id b' }),
  spans: Type.Array(DiffEntry, { description: 'Both trees merged, depth first, children by start' }),
  onlyInA: Type.Number(),
  onlyInB: Type.Number(),
  slower: Type.Number({ description: 'Matched spans slower in b by more than the threshold' }),
})
export type TraceDiffAnswer = Static<typeof TraceDiffAnswer>

/** What a firing alert carries: the requests behind it, and what sets them apart (from /compare). */
export const AlertEvidence = Type.Object({
  exampleTraces: Type.Array(
    Type.Object({
      traceId: Type.String(),
      url: Type.String({ description: "The trace in the UI, from the collector's --public-url" }),
      durationMs: Type.Number(),
      statusMessage: Type.String(),
    }),
    {
      description: 'Requests of the selection: failing ones (error rate rules) or slower than the threshold',
    },
  ),
  topErrors: Type.Array(Type.Object({ message: Type.String(), count: Type.Number() }), {
    description: "The most frequent status messages of the service's failed spans in the window",
  }),
  attributes: Type.Array(CompareAttribute, { description: 'Top of /compare' }),
  logs: Type.Array(CompareLogPattern, { description: 'Top of /compare' }),
  compareUrl: Type.String({ description: 'The whole comparison in the UI' }),
})
export type AlertEvidence = Static<typeof AlertEvidence>
