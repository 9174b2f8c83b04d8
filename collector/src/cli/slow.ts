/** `skein slow`: the slowest spans, slowest first. */
import type { SlowSpansAnswer, SlowSpansQuery } from '@skein/model'
import type { Command } from 'commander'
import {
  apiGet,
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
  min?: string
  since?: string
  limit?: string
}

export function registerSlow(program: Command): void {
  withClientFlags(
    program
      .command('slow')
      .description('the slowest spans, slowest first')
      .option('--service <name>', 'only this service')
      .option('--operation <name>', 'only this operation (span name)')
      .option('--min <duration>', 'only spans at least this long, e.g. 200ms, 1.5s')
      .option('--since <duration>', 'how far back to look, e.g. 15m, 1h, 7d', '1h')
      .option('--limit <n>', 'how many spans', '20'),
  ).action(async (flags: Flags) => {
    const query: SlowSpansQuery = {
      service: flags.service,
      operation: flags.operation,
      minDurationMs: durationFlag('--min', flags.min),
      lookback: lookbackFlag(flags.since),
      limit: intFlag('--limit', flags.limit),
    }
    const body = await apiGet<SlowSpansAnswer>(flags, '/spans/slow', query)
    if (flags.json) return printJson(body)
    if (body.spans.length === 0)
      return print(`no spans in the last ${flags.since}${flags.min ? ` of at least ${flags.min}` : ''}`)
    print(
      table(body.spans, [
        { header: 'DURATION', value: (s) => formatMs(s.durationMs), align: 'right' },
        { header: 'SERVICE', value: (s) => clean(s.service, 40) },
        { header: 'OPERATION', value: (s) => clean(s.name, 60) },
        { header: 'STATUS', value: (s) => clean(s.statusCode, 10) },
        { header: 'START (UTC)', value: (s) => formatTime(s.start) },
        { header: 'TRACE', value: (s) => s.traceId },
        { header: 'SPAN', value: (s) => s.spanId },
      ]),
    )
  })
}
