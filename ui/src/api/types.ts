/** Shapes of the /api/v1 responses, mirroring shared/API.md. Extra fields may appear; listed ones are guaranteed. */

export type Attributes = Record<string, unknown>

export interface ServiceRef {
  name: string
}

export interface Operation {
  name: string
  spanKind: string
}

export interface TraceSummary {
  traceId: string
  rootService: string
  rootName: string
  startNs: string
  start: string
  durationMs: number
  spanCount: number
  errorCount: number
  services: string[]
}

export interface SpanEvent {
  timestampNs: string
  name: string
  attributes: Attributes
}

export interface SpanLink {
  traceId?: string
  spanId?: string
  traceState?: string
  attributes?: Attributes
}

export interface Span {
  spanId: string
  parentSpanId: string
  service: string
  name: string
  kind: string
  startNs: string
  start: string
  durationNs: string
  durationMs: number
  statusCode: string
  statusMessage: string
  attributes: Attributes
  resource: Attributes
  events: SpanEvent[]
  links: SpanLink[]
  /** Instrumentation scope (not in API.md's required list; shown when present). */
  scope?: { name?: string; version?: string }
}

export interface LogRecord {
  timestampNs: string
  timestamp: string
  service: string
  severityText: string
  severityNumber: number
  body: string
  traceId: string
  spanId: string
  attributes: Attributes
}

export interface Trace {
  traceId: string
  spans: Span[]
  logs: LogRecord[]
  /** The server stopped at its span limit; the trace has more spans than shown. */
  truncated?: boolean
}

export interface SlowSpan {
  traceId: string
  spanId: string
  service: string
  name: string
  startNs: string
  durationMs: number
  statusCode: string
}

export interface OperationLatency {
  service: string
  name: string
  count: number
  errorCount: number
  errorRate: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
}

export interface RedPoint {
  t: string
  requests: number
  errors: number
  errorRate: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
}

export interface RedSeries {
  step: string
  points: RedPoint[]
}

export interface DependencyEdge {
  parent: string
  child: string
  callCount: number
  errorCount: number
}

export type AlertState = 'ok' | 'pending' | 'firing'

export interface AlertRuleInput {
  name: string
  service: string
  operation?: string
  errorRateAbove: number
  window: string
  minRequests: number
  for: string
  webhookUrl: string
  enabled: boolean
}

export interface AlertRule extends AlertRuleInput {
  id: string
  state: AlertState
}

export interface AlertEvent {
  ruleId: string
  state: string
  at: string
  errorRate: number
  requests: number
}

/** A time range as the API takes it: a lookback such as `1h`, or absolute bounds (ISO-8601). */
export type TimeRange = { lookback: string } | { start: string; end: string }

/** Every failure the client reports, whether the server answered with an error body or never answered. */
export interface ApiErrorShape {
  code: string
  message: string
  status?: number
}
