/**
 * `skein traces`: trace search, newest first; with `--query`, a TraceQL search through the Tempo API
 * (compat/tempo.ts), whose answers say how many spans of each trace matched.
 */
import type { TempoSearchAnswer, TraceSearchAnswer, TraceSearchQuery } from '@skein/model'
import type { Command } from 'commander'
import { parseDuration } from '../units.js'
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
import { clean, formatMs, formatTime, print, table } from './format.js'

interface Flags extends ClientFlags {
  service?: string
  operation?: string
  error?: boolean
  min?: string
  max?: string
  attr?: string[]
  since?: string
  limit?: string
  query?: string
}

export function registerTraces(program: Command): void {
  withClientFlags(
    program
      .command('traces')
      .description('search traces, newest first (duration bounds apply to the whole trace)')
      .option('--service <name>', 'traces with a span of this service')
      .option('--operation <name>', 'traces with a span of this name')
      .option('--error', 'only traces with an error span')
      .option('--min <duration>', 'traces at least this long, e.g. 500ms')
      .option('--max <duration>', 'traces at most this long')
      .option(
        '--attr <key=value>',
        'span or resource attribute (repeatable)',
        (v: string, all: string[] = []) => [...all, v],
      )
      .option(
        '--query <traceql>',
        'a TraceQL query, e.g. \'{ resource.service.name = "orders" && duration > 500ms }\'',
      )
      .option('--since <duration>', 'how far back to look, e.g. 15m, 1h, 7d', '1h')
      .option('--limit <n>', 'how many traces', '20'),
  ).action(async (flags: Flags) => {
    if (flags.query !== undefined) return traceQLSearch(flags)
    const query: TraceSearchQuery = {
      service: flags.service,
      operation: flags.operation,
      status: flags.error ? 'error' : undefined,
      minDurationMs: durationFlag('--min', flags.min),
      maxDurationMs: durationFlag('--max', flags.max),
      attr: flags.attr,
      lookback: lookbackFlag(flags.since),
      limit: intFlag('--limit', flags.limit),
    }
    const body = await apiGet<TraceSearchAnswer>(flags, '/traces', query)
    if (flags.json) return printJson(body)
    if (body.traces.length === 0) return print(`no traces in the last ${flags.since} match`)
    print(
      table(body.traces, [
        { header: 'START (UTC)', value: (t) => formatTime(t.start) },
        { header: 'DURATION', value: (t) => formatMs(t.durationMs), align: 'right' },
        { header: 'SPANS', value: (t) => String(t.spanCount), align: 'right' },
        { header: 'ERRORS', value: (t) => String(t.errorCount), align: 'right' },
        { header: 'ROOT', value: (t) => clean(`${t.rootService}: ${t.rootName}`, 60) },
        { header: 'TRACE', value: (t) => t.traceId },
        { header: 'SERVICES', value: (t) => clean(t.services.join(','), 80) },
      ]),
    )
  })
}

/** `--query`: the Tempo API's search (Unix-second range, Go durations), printed as the form's table. */
async function traceQLSearch(flags: Flags): Promise<void> {
  const taken = (['service', 'operation', 'error', 'attr'] as const).filter((f) => flags[f] !== undefined)
  if (taken.length > 0)
    throw new CliError(
      `--query takes the place of ${taken.map((f) => `--${f}`).join(', ')}: write them in the query`,
    )
  const min = durationFlag('--min', flags.min)
  const max = durationFlag('--max', flags.max)
  const sinceMs = parseDuration(lookbackFlag(flags.since) ?? '1h') as number
  const end = Math.ceil(Date.now() / 1000)
  const body = await apiGet<TempoSearchAnswer>(
    flags,
    '/api/search',
    {
      q: flags.query,
      start: Math.floor((Date.now() - sinceMs) / 1000),
      end,
      minDuration: min === undefined ? undefined : `${min}ms`,
      maxDuration: max === undefined ? undefined : `${max}ms`,
      limit: intFlag('--limit', flags.limit),
    },
    '/tempo',
  )
  if (flags.json) return printJson(body)
  if (body.traces.length === 0) return print(`no traces in the last ${flags.since} match`)
  print(
    table(body.traces, [
      {
        header: 'START (UTC)',
        value: (t) => formatTime(new Date(Number(BigInt(t.startTimeUnixNano) / 1_000_000n)).toISOString()),
      },
      { header: 'DURATION', value: (t) => formatMs(t.durationMs), align: 'right' },
      { header: 'MATCHED', value: (t) => String(t.spanSets[0]?.matched ?? 0), align: 'right' },
      { header: 'ROOT', value: (t) => clean(`${t.rootServiceName}: ${t.rootTraceName}`, 60) },
      { header: 'TRACE', value: (t) => t.traceID },
    ]),
  )
}
