import type {
  CompareQuery,
  LogPatternsQuery,
  LogSearchQuery,
  LogVolumeQuery,
  SlowSpansQuery,
  TempoSearchAnswer,
  TimeRangeQuery,
  TraceSearchQuery,
} from '@skein/model'
import { answerError, answerJson } from '@skein/model/answer'
import { bearer } from '../lib/session'
import { session } from './session'
import type {
  AlertEvent,
  AlertRule,
  AlertRuleInput,
  ApiErrorShape,
  CompareAnswer,
  DependencyEdge,
  LogPatternsAnswer,
  LogRecord,
  LogVolumeAnswer,
  Operation,
  OperationLatency,
  RedSeries,
  ServiceRef,
  SlowSpan,
  SpanDetail,
  TimeRange,
  Trace,
  TraceDiffAnswer,
  TraceSummary,
} from './types'

export class ApiError extends Error implements ApiErrorShape {
  readonly code: string
  readonly status?: number

  constructor(shape: ApiErrorShape) {
    super(shape.message)
    this.name = 'ApiError'
    this.code = shape.code
    this.status = shape.status
  }
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException ? err.name === 'AbortError' : (err as Error)?.name === 'AbortError'
}

/** Normalises anything thrown by fetch or by us into `{ code, message }`. */
export function toApiError(err: unknown): ApiErrorShape {
  if (err instanceof ApiError) return { code: err.code, message: err.message, status: err.status }
  const message = err instanceof Error ? err.message : String(err)
  return { code: 'SKEIN_ERR_NETWORK', message: `Could not reach the Skein API: ${message}` }
}

export type Params = Record<string, string | number | boolean | undefined | null | string[]>

export function buildQuery(params: Params): string {
  const q = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue
    if (Array.isArray(value)) {
      for (const v of value) if (v !== '') q.append(key, v)
    } else {
      q.set(key, String(value))
    }
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

export function rangeParams(range: TimeRange): Params {
  return 'lookback' in range ? { lookback: range.lookback } : { start: range.start, end: range.end }
}

export interface RequestOptions {
  signal?: AbortSignal
  method?: string
  body?: unknown
  /** Sends this token instead of the session's, and leaves a 401 to the caller (checking a token to sign in). */
  token?: string
  /** The answer is binary (the compact form of a trace): resolve with its bytes. Errors are JSON as ever. */
  binary?: boolean
  /** Another API of the same server: /tempo for TraceQL search. */
  prefix?: string
}

/** Where the client gets the bearer token for `--query-token`, and where it reports a 401. */
export interface ApiAuth {
  token(): string | undefined
  /** The API answered 401 to a call that carried `sentToken` (undefined: none was sent). */
  unauthorized(sentToken: string | undefined): void
}

/** A time range as the API takes it, instead of its three parameters (start, end, lookback). */
type WithRange<Q> = Omit<Q, keyof TimeRangeQuery> & { range: TimeRange }

/** The parameters as declared in @skein/model, with the range as one value. */
export type TraceQuery = WithRange<TraceSearchQuery>
export type LogQuery = WithRange<LogSearchQuery>
export type LogVolumeParams = WithRange<LogVolumeQuery>
export type LogPatternsParams = WithRange<LogPatternsQuery>
export type SlowQuery = WithRange<SlowSpansQuery>
export type CompareParams = WithRange<CompareQuery>

/**
 * The one typed client for /api/v1. `baseUrl` is empty in the browser (same origin as the collector). With
 * `auth`, every call carries `Authorization: Bearer <token>` when there is a token, and every 401 is reported.
 */
export function createApi(baseUrl = '', auth?: ApiAuth) {
  async function request<T>(path: string, params: Params = {}, opts: RequestOptions = {}): Promise<T> {
    const url = `${baseUrl}${opts.prefix ?? '/api/v1'}${path}${buildQuery(params)}`
    const token = opts.token ?? auth?.token()
    const headers: Record<string, string> = { accept: 'application/json' }
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    if (token !== undefined) headers.authorization = bearer(token)
    let res: Response
    try {
      res = await fetch(url, {
        method: opts.method ?? 'GET',
        signal: opts.signal,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      })
    } catch (err) {
      if (isAbort(err)) throw err
      throw new ApiError(toApiError(err))
    }
    if (res.status === 401 && opts.token === undefined) auth?.unauthorized(token)
    if (opts.binary && res.ok) return (await res.arrayBuffer()) as T
    const text = await res.text()
    const json = answerJson(text)
    if (!res.ok) {
      const e = answerError(json)
      if (e && typeof e.code === 'string') {
        throw new ApiError({
          code: e.code,
          message: typeof e.message === 'string' ? e.message : e.code,
          status: res.status,
        })
      }
      throw new ApiError({
        code: `SKEIN_ERR_HTTP_${res.status}`,
        message: `The API answered ${res.status} ${res.statusText || ''}`.trim(),
        status: res.status,
      })
    }
    if (json === undefined && text) {
      throw new ApiError({
        code: 'SKEIN_ERR_BAD_RESPONSE',
        message: 'The API answered with something that is not JSON',
        status: res.status,
      })
    }
    return json as T
  }

  return {
    services: (range: TimeRange, signal?: AbortSignal) =>
      request<{ services: ServiceRef[] }>('/services', rangeParams(range), { signal }).then(
        (r) => r.services ?? [],
      ),
    operations: (service: string, range: TimeRange, signal?: AbortSignal) =>
      request<{ operations: Operation[] }>(
        `/services/${encodeURIComponent(service)}/operations`,
        rangeParams(range),
        {
          signal,
        },
      ).then((r) => r.operations ?? []),
    traces: ({ range, ...q }: TraceQuery, signal?: AbortSignal) =>
      request<{ traces: TraceSummary[] }>('/traces', { ...q, ...rangeParams(range) }, { signal }).then(
        (r) => r.traces ?? [],
      ),
    /** The whole trace; with `maxSpans`, no spans (and `spanCount`) when it has more than that. */
    trace: (traceId: string, signal?: AbortSignal, options: { maxSpans?: number } = {}) =>
      request<Trace>(
        `/traces/${encodeURIComponent(traceId)}`,
        { maxSpans: options.maxSpans },
        { signal },
      ).then((t) => ({
        traceId: t.traceId ?? traceId,
        spans: t.spans ?? [],
        logs: t.logs ?? [],
        truncated: t.truncated === true,
        ...(typeof t.spanCount === 'number' ? { spanCount: t.spanCount } : {}),
      })),
    /** The compact form of a trace (model/src/compact.ts), as bytes for decodeCompactTrace. */
    traceCompact: (traceId: string, signal?: AbortSignal) =>
      request<ArrayBuffer>(`/traces/${encodeURIComponent(traceId)}/compact`, {}, { signal, binary: true }),
    /** One span of a trace, whole, with its log lines. */
    traceSpan: (traceId: string, spanId: string, signal?: AbortSignal) =>
      request<SpanDetail>(
        `/traces/${encodeURIComponent(traceId)}/spans/${encodeURIComponent(spanId)}`,
        {},
        { signal },
      ).then((d) => ({ traceId: d.traceId ?? traceId, spans: d.spans ?? [], logs: d.logs ?? [] })),
    /** What sets a selection of a service's requests apart from the others (/compare). */
    compare: ({ range, ...q }: CompareParams, signal?: AbortSignal) =>
      request<CompareAnswer>('/compare', { ...q, ...rangeParams(range) }, { signal }),
    /** Two traces matched span by span. */
    traceDiff: (a: string, b: string, signal?: AbortSignal) =>
      request<TraceDiffAnswer>(
        `/traces/${encodeURIComponent(a)}/diff/${encodeURIComponent(b)}`,
        {},
        { signal },
      ),
    /** A TraceQL search through the Tempo API (start and end in Unix seconds, as Tempo takes them). */
    traceql: (q: { q: string; start: number; end: number; limit?: number }, signal?: AbortSignal) =>
      request<TempoSearchAnswer>('/api/search', q, { signal, prefix: '/tempo' }),
    logs: ({ range, ...q }: LogQuery, signal?: AbortSignal) =>
      request<{ logs: LogRecord[] }>('/logs', { ...q, ...rangeParams(range) }, { signal }).then(
        (r) => r.logs ?? [],
      ),
    logVolume: ({ range, ...q }: LogVolumeParams, signal?: AbortSignal) =>
      request<LogVolumeAnswer>('/logs/volume', { ...q, ...rangeParams(range) }, { signal }),
    logPatterns: ({ range, ...q }: LogPatternsParams, signal?: AbortSignal) =>
      request<LogPatternsAnswer>('/logs/patterns', { ...q, ...rangeParams(range) }, { signal }),
    slowSpans: ({ range, ...q }: SlowQuery, signal?: AbortSignal) =>
      request<{ spans: SlowSpan[] }>('/spans/slow', { ...q, ...rangeParams(range) }, { signal }).then(
        (r) => r.spans ?? [],
      ),
    operationsLatency: (q: { service?: string; range: TimeRange }, signal?: AbortSignal) =>
      request<{ operations: OperationLatency[] }>(
        '/operations/latency',
        { service: q.service, ...rangeParams(q.range) },
        { signal },
      ).then((r) => r.operations ?? []),
    red: (
      q: { service: string; operation?: string; step?: string; range: TimeRange },
      signal?: AbortSignal,
    ) =>
      request<RedSeries>(
        '/metrics/red',
        { service: q.service, operation: q.operation, step: q.step, ...rangeParams(q.range) },
        { signal },
      ).then((r) => ({ step: r.step, points: r.points ?? [] })),
    dependencies: (range: TimeRange, signal?: AbortSignal) =>
      request<{ edges: DependencyEdge[] }>('/dependencies', rangeParams(range), { signal }).then(
        (r) => r.edges ?? [],
      ),
    alertRules: (signal?: AbortSignal) =>
      request<{ rules: AlertRule[] }>('/alerts/rules', {}, { signal }).then((r) => r.rules ?? []),
    createAlertRule: (rule: AlertRuleInput) =>
      request<AlertRule>('/alerts/rules', {}, { method: 'POST', body: rule }),
    updateAlertRule: (id: string, rule: AlertRuleInput) =>
      request<AlertRule>(`/alerts/rules/${encodeURIComponent(id)}`, {}, { method: 'PUT', body: rule }),
    deleteAlertRule: (id: string) =>
      request<unknown>(`/alerts/rules/${encodeURIComponent(id)}`, {}, { method: 'DELETE' }),
    alertEvents: (ruleId: string | undefined, signal?: AbortSignal) =>
      request<{ events: AlertEvent[] }>('/alerts/events', { ruleId }, { signal }).then((r) => r.events ?? []),
    /**
     * Whether the server takes `token`: true unless it answers 401 (the token is checked before any handler
     * runs, so another error, such as storage being down, means the token passed). Throws when unreachable.
     * Asks for the services of the last minute: the cheapest call every reader may make.
     */
    checkToken: (token: string, signal?: AbortSignal) =>
      request<unknown>('/services', { lookback: '1m' }, { token, signal }).then(
        () => true,
        (err) => {
          if (err instanceof ApiError && err.status === 401) return false
          if (err instanceof ApiError && err.status !== undefined) return true
          throw err
        },
      ),
  }
}

export type Api = ReturnType<typeof createApi>

export const api: Api = createApi('', session)
