/** `skein trace <traceId>`: the call tree, each span's log lines beneath it. */
import type { Span, TraceAnswer } from '@skein/model'
import { buildSpanTree, type SpanNode } from '@skein/model/tree'
import type { Command } from 'commander'
import { apiGet, CliError, type ClientFlags, printJson, withClientFlags } from './client.js'
import { clean, formatMs, formatTime, print } from './format.js'
import type { LogLine } from './logs.js'

/** What the tree shows of a span (the API sends more: @skein/model's `Span`). */
export type TraceSpan = Pick<
  Span,
  | 'spanId'
  | 'parentSpanId'
  | 'service'
  | 'name'
  | 'kind'
  | 'startNs'
  | 'start'
  | 'durationMs'
  | 'statusCode'
  | 'statusMessage'
> &
  Partial<Pick<Span, 'durationNs'>>

export interface TraceDoc {
  traceId: TraceAnswer['traceId']
  spans: TraceSpan[]
  logs: LogLine[]
}

/**
 * The tree as text, built by the UI's own span tree (@skein/model/tree): spans whose parent is not in the
 * trace (lost or not yet arrived) are roots, a parent cycle in bad data is cut where it closes, and a
 * child timed by another host's clock is shown where it sits inside its parent (offsets are corrected
 * for skew, as in the waterfall). Log lines go under the span that wrote them, the rest at the end.
 */
export function renderTrace(t: TraceDoc): string {
  const tree = buildSpanTree(t.spans)
  const bySpanId = new Map<string, SpanNode<TraceSpan>>()
  for (const node of tree.byId.values())
    if (!bySpanId.has(node.span.spanId)) bySpanId.set(node.span.spanId, node)
  const logsBySpan = new Map<SpanNode<TraceSpan>, LogLine[]>()
  const orphanLogs: LogLine[] = []
  for (const l of t.logs) {
    const node = l.spanId ? bySpanId.get(l.spanId) : undefined
    if (node) {
      const list = logsBySpan.get(node) ?? []
      list.push(l)
      logsBySpan.set(node, list)
    } else orphanLogs.push(l)
  }
  const first = t.spans.reduce<TraceSpan | undefined>(
    (m, s) => (m === undefined || BigInt(s.startNs) < BigInt(m.startNs) ? s : m),
    undefined,
  )
  const lines = [
    `trace ${t.traceId}  ${first ? formatTime(first.start) : ''}  ${formatMs(tree.durationNs / 1e6)}  ${tree.spanCount} spans  ${tree.errorCount} errors  ${clean(tree.services.join(', '), 200)}`,
  ]
  const logLine = (l: LogLine) =>
    `${formatTime(l.timestamp).slice(11)} ${clean(l.severityText || '-', 8).padEnd(5)} ${clean(l.body, 200)}`
  // Iterative depth-first walk: a deep trace must not overflow the stack.
  const stack: { node: SpanNode<TraceSpan>; prefix: string; connector: string; childPrefix: string }[] = []
  const pushChildren = (list: SpanNode<TraceSpan>[], prefix: string, top: boolean) => {
    for (let i = list.length - 1; i >= 0; i--) {
      const last = i === list.length - 1
      stack.push({
        node: list[i],
        prefix,
        connector: top ? '' : last ? '└─ ' : '├─ ',
        childPrefix: top ? '' : prefix + (last ? '   ' : '│  '),
      })
    }
  }
  pushChildren(tree.roots, '', true)
  while (stack.length) {
    const { node, prefix, connector, childPrefix } = stack.pop()!
    const s = node.span
    const status = node.isError ? `  ERROR${s.statusMessage ? `: ${clean(s.statusMessage, 100)}` : ''}` : ''
    lines.push(
      `${prefix}${connector}${clean(s.service, 40)}  ${clean(s.name, 80)}  ${formatMs(s.durationMs)}  +${formatMs(node.startNs / 1e6)}${status}`,
    )
    for (const l of logsBySpan.get(node) ?? [])
      lines.push(`${childPrefix}${node.children.length ? '│' : ' '}   » ${logLine(l)}`)
    pushChildren(node.children, childPrefix, false)
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
    const body = await apiGet<TraceAnswer>(flags, `/traces/${traceId.toLowerCase()}`)
    if (flags.json) return printJson(body)
    print(renderTrace(body))
  })
}
