/** `skein trace <traceId>`: the call tree, each span's log lines beneath it. */
import type { Command } from 'commander'
import { apiGet, CliError, type ClientFlags, printJson, withClientFlags } from './client.js'
import { clean, formatMs, formatTime, print } from './format.js'
import type { LogLine } from './logs.js'

export interface TraceSpan {
  spanId: string
  parentSpanId: string
  service: string
  name: string
  kind: string
  startNs: string
  start: string
  durationMs: number
  statusCode: string
  statusMessage: string
}

export interface TraceDoc {
  traceId: string
  spans: TraceSpan[]
  logs: LogLine[]
}

/**
 * The tree as text. Spans whose parent is not in the trace (lost or not yet arrived) are shown as roots;
 * log lines go under the span that wrote them, the rest at the end.
 */
export function renderTrace(t: TraceDoc): string {
  const byId = new Map(t.spans.map((s) => [s.spanId, s]))
  const children = new Map<string, TraceSpan[]>()
  const roots: TraceSpan[] = []
  for (const s of t.spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId) && s.parentSpanId !== s.spanId) {
      const list = children.get(s.parentSpanId) ?? []
      list.push(s)
      children.set(s.parentSpanId, list)
    } else roots.push(s)
  }
  const logsBySpan = new Map<string, LogLine[]>()
  const orphanLogs: LogLine[] = []
  for (const l of t.logs) {
    if (l.spanId && byId.has(l.spanId)) {
      const list = logsBySpan.get(l.spanId) ?? []
      list.push(l)
      logsBySpan.set(l.spanId, list)
    } else orphanLogs.push(l)
  }
  const t0 = t.spans.reduce(
    (m, s) => (BigInt(s.startNs) < m ? BigInt(s.startNs) : m),
    BigInt(t.spans[0]?.startNs ?? 0),
  )
  const end = t.spans.reduce((m, s) => Math.max(m, Number(BigInt(s.startNs) - t0) / 1e6 + s.durationMs), 0)
  const services = [...new Set(t.spans.map((s) => s.service))]
  const errors = t.spans.filter((s) => s.statusCode === 'Error').length
  const lines = [
    `trace ${t.traceId}  ${t.spans[0] ? formatTime(t.spans[0].start) : ''}  ${formatMs(end)}  ${t.spans.length} spans  ${errors} errors  ${clean(services.join(', '), 200)}`,
  ]
  const logLine = (l: LogLine) =>
    `${formatTime(l.timestamp).slice(11)} ${clean(l.severityText || '-', 8).padEnd(5)} ${clean(l.body, 200)}`
  // Iterative depth-first walk: a deep (or cyclic, from bad data) trace must not overflow the stack.
  const seen = new Set<string>()
  const stack: { span: TraceSpan; prefix: string; connector: string; childPrefix: string }[] = []
  const pushChildren = (list: TraceSpan[], prefix: string, top: boolean) => {
    for (let i = list.length - 1; i >= 0; i--) {
      const last = i === list.length - 1
      stack.push({
        span: list[i],
        prefix,
        connector: top ? '' : last ? '└─ ' : '├─ ',
        childPrefix: top ? '' : prefix + (last ? '   ' : '│  '),
      })
    }
  }
  pushChildren(roots, '', true)
  // Spans on a parent cycle (bad data) are reachable from no root: show each such group from one span.
  const unreached = () => t.spans.find((s) => !seen.has(s.spanId))
  for (let next = unreached(); stack.length || next; next = stack.length ? undefined : unreached()) {
    if (!stack.length && next) pushChildren([next], '', true)
    const { span: s, prefix, connector, childPrefix } = stack.pop()!
    if (seen.has(s.spanId)) continue
    seen.add(s.spanId)
    const offset = Number(BigInt(s.startNs) - t0) / 1e6
    const status =
      s.statusCode === 'Error' ? `  ERROR${s.statusMessage ? `: ${clean(s.statusMessage, 100)}` : ''}` : ''
    lines.push(
      `${prefix}${connector}${clean(s.service, 40)}  ${clean(s.name, 80)}  ${formatMs(s.durationMs)}  +${formatMs(offset)}${status}`,
    )
    const kids = children.get(s.spanId) ?? []
    for (const l of logsBySpan.get(s.spanId) ?? [])
      lines.push(`${childPrefix}${kids.length ? '│' : ' '}   » ${logLine(l)}`)
    pushChildren(kids, childPrefix, false)
  }
  if (orphanLogs.length) {
    lines.push('logs of this trace not tied to one of its spans:')
    for (const l of orphanLogs) lines.push(`  » ${clean(l.service, 40)} ${logLine(l)}`)
  }
  return lines.join('\n')
}

export function registerTrace(program: Command): void {
  withClientFlags(
    program
      .command('trace')
      .description("one trace's call tree, with each span's logs beneath it")
      .argument('<traceId>', '32 hex characters'),
  ).action(async (traceId: string, flags: ClientFlags) => {
    if (!/^[0-9a-fA-F]{32}$/.test(traceId))
      throw new CliError(`invalid trace id ${JSON.stringify(traceId)}: expected 32 hex characters`)
    const body = await apiGet<TraceDoc>(flags, `/traces/${traceId.toLowerCase()}`)
    if (flags.json) return printJson(body)
    print(renderTrace(body))
  })
}
