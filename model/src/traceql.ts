/**
 * The trace search form (service, operation, status, attributes, trace duration bounds) written as the
 * TraceQL query that asks the same: one spanset, since the form's span conditions hold on one span, and
 * its duration bounds on the whole trace (`traceDuration`). The UI shows it beside the form and the CLI
 * builds `skein traces --query` from its flags with it; the collector's Tempo API (compat/traceql.ts)
 * answers it.
 */

export interface TraceSearchForm {
  service?: string
  operation?: string
  status?: 'error' | 'ok' | 'unset'
  /** `key=value`, as the form and `--attr` take them. */
  attrs?: readonly string[]
  minDurationMs?: number
  maxDurationMs?: number
}

/** A TraceQL string literal: double quotes, with backslashes, quotes and control characters escaped. */
export function traceQLString(text: string): string {
  return JSON.stringify(text)
}

/** A duration in TraceQL's units: whole ms when it is one, else µs or ns. */
export function traceQLDuration(ms: number): string {
  const ns = Math.round(ms * 1e6)
  if (ns % 1_000_000 === 0) return `${ns / 1_000_000}ms`
  if (ns % 1000 === 0) return `${ns / 1000}us`
  return `${ns}ns`
}

/** The form as TraceQL; `{}` (every trace) when it is empty. */
export function traceQLOf(form: TraceSearchForm): string {
  const conds: string[] = []
  if (form.service) conds.push(`resource.service.name = ${traceQLString(form.service)}`)
  if (form.operation) conds.push(`name = ${traceQLString(form.operation)}`)
  if (form.status) conds.push(`status = ${form.status}`)
  for (const a of form.attrs ?? []) {
    const i = a.indexOf('=')
    if (i <= 0) continue
    const key = a.slice(0, i)
    // An attribute name of TraceQL's identifier characters is written bare, any other quoted.
    const field = /^[A-Za-z_][\w.\-/]*$/.test(key) ? `.${key}` : `.${traceQLString(key)}`
    conds.push(`${field} = ${traceQLString(a.slice(i + 1))}`)
  }
  if (form.minDurationMs !== undefined) conds.push(`traceDuration >= ${traceQLDuration(form.minDurationMs)}`)
  if (form.maxDurationMs !== undefined) conds.push(`traceDuration <= ${traceQLDuration(form.maxDurationMs)}`)
  return conds.length ? `{ ${conds.join(' && ')} }` : '{}'
}

/**
 * Tempo's search answer (`/tempo/api/search`) in Tempo's JSON spelling, as the collector's Tempo API
 * gives it (compat/tempo-search.ts) and the CLI and the UI read it: ids and nanoseconds as strings,
 * `durationMs` a whole number, the matched spans of each trace in `spanSets` (`spanSet`: the first, for
 * older clients), spans and errors per service in `serviceStats`.
 */
export interface TempoSearchAnswer {
  traces: TempoTrace[]
}

export interface TempoTrace {
  traceID: string
  rootServiceName: string
  rootTraceName: string
  startTimeUnixNano: string
  durationMs: number
  spanSets: TempoSpanSet[]
  spanSet: TempoSpanSet
  serviceStats: Record<string, { spanCount: number; errorCount?: number }>
}

export interface TempoSpanSet {
  spans: {
    spanID: string
    name: string
    startTimeUnixNano: string
    durationNanos: string
    attributes: { key: string; value: { stringValue: string } }[]
  }[]
  matched: number
}
