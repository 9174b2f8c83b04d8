/**
 * Shapes of the /api/v1 answers: declared once in @skein/model (the schemas the collector serializes
 * with), re-exported here under the names the UI uses. Type-only, so no schema code reaches the bundle.
 */
export type {
  AlertEvent,
  AlertEvidence,
  AlertState,
  Attributes,
  CompareAnswer,
  CompareAttribute,
  CompareLogPattern,
  CompareOperation,
  DependencyEdge,
  DiffEntry,
  DiffSpan,
  LevelCounts,
  LogPattern,
  LogPatternsAnswer,
  LogRecord,
  LogVolumeAnswer,
  LogVolumeBucket,
  Operation,
  OperationLatency,
  RedAnswer as RedSeries,
  RedPoint,
  RuleInput as AlertRuleInput,
  RuleView as AlertRule,
  ServiceRef,
  SlowSpan,
  Span,
  SpanDetailAnswer as SpanDetail,
  SpanEvent,
  SpanLink,
  TraceAnswer as Trace,
  TraceDiffAnswer,
  TraceSummary,
} from '@skein/model'

/** A time range as the API takes it: a lookback such as `1h`, or absolute bounds (ISO-8601). */
export type TimeRange = { lookback: string } | { start: string; end: string }

/** Every failure the client reports, whether the server answered with an error body or never answered. */
export interface ApiErrorShape {
  code: string
  message: string
  status?: number
}
