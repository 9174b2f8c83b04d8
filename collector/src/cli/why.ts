/**
 * `skein why`: what is different about slow or failing requests, as /api/v1/compare ranks it, printed as
 * three aligned tables (attributes, operations, log patterns); `--json` prints the answer unchanged.
 */
import type { CompareAnswer, CompareQuery } from '@skein/model'
import type { Command } from 'commander'
import {
  apiGet,
  CliError,
  type ClientFlags,
  durationFlag,
  intFlag,
  lookbackFlag,
  printJson,
  withClientFlags,
} from './client.js'
import { clean, formatMs, print, table } from './format.js'

interface Flags extends ClientFlags {
  service: string
  operation?: string
  min?: string
  max?: string
  error?: boolean
  attr?: string[]
  since?: string
  limit?: string
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const score = (x: number) => x.toFixed(1)
const perTrace = (x: number) => x.toFixed(2)

export function registerWhy(program: Command): void {
  withClientFlags(
    program
      .command('why')
      .description(
        "what sets slow or failing requests apart from the others: attributes, operations and log patterns (a service's entry spans)",
      )
      .requiredOption('--service <name>', 'the service whose requests are compared')
      .option('--operation <name>', 'only requests of this operation (span name)')
      .option('--min <duration>', 'select requests at least this long, e.g. 500ms')
      .option('--max <duration>', 'select requests at most this long')
      .option('--error', 'select failed requests')
      .option(
        '--attr <key=value>',
        'select requests with this span or resource attribute (repeatable)',
        (v: string, all: string[] = []) => [...all, v],
      )
      .option('--since <duration>', 'how far back to look, e.g. 15m, 1h, 7d', '1h')
      .option('--limit <n>', 'rows per table', '10'),
  ).action(async (flags: Flags) => {
    if (!flags.min && !flags.max && !flags.error && !flags.attr?.length)
      throw new CliError('say which requests to explain: --min, --max, --error or --attr')
    const query: CompareQuery = {
      service: flags.service,
      operation: flags.operation,
      minDurationMs: durationFlag('--min', flags.min),
      maxDurationMs: durationFlag('--max', flags.max),
      status: flags.error ? 'error' : undefined,
      attr: flags.attr,
      lookback: lookbackFlag(flags.since),
      limit: intFlag('--limit', flags.limit),
    }
    const body = await apiGet<CompareAnswer>(flags, '/compare', query)
    if (flags.json) return printJson(body)
    print(whyText(body, flags.since ?? '1h'))
  })
}

/** The three tables, with a line on each side above them. Pure. */
export function whyText(c: CompareAnswer, since: string): string {
  if (c.selection.count === 0) return `no requests in the last ${since} match the selection`
  const side = (name: string, s: CompareAnswer['selection']) =>
    `${name} ${s.count} requests, p50 ${formatMs(s.p50Ms)}, p95 ${formatMs(s.p95Ms)}, errors ${pct(s.errorRate)}`
  const out = [side('selection', c.selection), side('baseline ', c.baseline)]
  if (c.sample.sampled)
    out.push(
      `sampled: attributes of ${c.sample.spans.selection} + ${c.sample.spans.baseline} spans, operations and logs of ${c.sample.traces.selection} + ${c.sample.traces.baseline} traces`,
    )
  out.push('', 'ATTRIBUTES')
  out.push(
    c.attributes.length
      ? table(c.attributes, [
          { header: 'SCORE', value: (a) => score(a.score), align: 'right' },
          { header: 'SELECTION', value: (a) => pct(a.selectionShare), align: 'right' },
          { header: 'BASELINE', value: (a) => pct(a.baselineShare), align: 'right' },
          { header: 'SCOPE', value: (a) => a.scope },
          { header: 'ATTRIBUTE', value: (a) => clean(`${a.key}=${a.value}`, 100) },
        ])
      : '(none stands out)',
  )
  out.push('', 'OPERATIONS')
  out.push(
    c.operations.length
      ? table(c.operations, [
          { header: 'SCORE', value: (o) => score(o.score), align: 'right' },
          { header: 'WHY', value: (o) => o.reason },
          { header: 'SELECTION', value: (o) => pct(o.selectionShare), align: 'right' },
          { header: 'BASELINE', value: (o) => pct(o.baselineShare), align: 'right' },
          {
            header: 'CALLS/REQ',
            value: (o) => `${perTrace(o.selectionCallsPerTrace)} vs ${perTrace(o.baselineCallsPerTrace)}`,
          },
          { header: 'MEAN', value: (o) => `${formatMs(o.selectionMeanMs)} vs ${formatMs(o.baselineMeanMs)}` },
          { header: 'OPERATION', value: (o) => clean(o.path.slice(1).join(' > '), 140) },
        ])
      : '(none stands out)',
  )
  out.push('', 'LOG PATTERNS')
  out.push(
    c.logs.length
      ? table(c.logs, [
          { header: 'SCORE', value: (l) => score(l.score), align: 'right' },
          {
            header: 'SELECTION',
            value: (l) => `${l.selectionCount} (${pct(l.selectionShare)})`,
            align: 'right',
          },
          {
            header: 'BASELINE',
            value: (l) => `${l.baselineCount} (${pct(l.baselineShare)})`,
            align: 'right',
          },
          { header: 'LEVEL', value: (l) => clean(l.severityText, 8) },
          { header: 'PATTERN', value: (l) => clean(l.pattern, 120) },
        ])
      : '(none stands out)',
  )
  if (c.exampleTraceIds.selection.length)
    out.push('', `examples: ${c.exampleTraceIds.selection.slice(0, 3).join(' ')}  (skein trace <id>)`)
  return out.join('\n')
}
