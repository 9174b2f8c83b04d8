/** `skein logs`: log search, newest first. */
import type { Command } from 'commander'
import { apiGet, type ClientFlags, intFlag, lookbackFlag, printJson, withClientFlags } from './client.js'
import { clean, formatTime, print, table } from './format.js'

export interface LogLine {
  timestamp: string
  service: string
  severityText: string
  body: string
  traceId: string
  spanId: string
}

interface Flags extends ClientFlags {
  service?: string
  level?: string
  trace?: string
  grep?: string
  ignoreCase?: boolean
  since?: string
  limit?: string
}

export function registerLogs(program: Command): void {
  withClientFlags(
    program
      .command('logs')
      .description('search logs, newest first')
      .option('--service <name>', 'only this service')
      .option('--level <level>', 'at least this level: trace, debug, info, warn, error, fatal')
      .option('--trace <traceId>', 'only lines of this trace')
      .option('--grep <text>', 'lines whose message contains this text (literally)')
      .option('-i, --ignore-case', 'with --grep: ignore case')
      .option('--since <duration>', 'how far back to look, e.g. 15m, 1h, 7d', '1h')
      .option('--limit <n>', 'how many lines', '100'),
  ).action(async (flags: Flags) => {
    const body = await apiGet<{ logs: LogLine[] }>(flags, '/logs', {
      service: flags.service,
      level: flags.level,
      traceId: flags.trace,
      q: flags.grep,
      ignoreCase: flags.ignoreCase && flags.grep !== undefined ? 'true' : undefined,
      lookback: lookbackFlag(flags.since),
      limit: intFlag('--limit', flags.limit),
    })
    if (flags.json) return printJson(body)
    if (body.logs.length === 0) return print(`no log lines in the last ${flags.since} match`)
    print(
      table(body.logs, [
        { header: 'TIME (UTC)', value: (l) => formatTime(l.timestamp) },
        { header: 'SERVICE', value: (l) => clean(l.service, 30) },
        { header: 'LEVEL', value: (l) => clean(l.severityText || '-', 8) },
        { header: 'TRACE', value: (l) => l.traceId || '-' },
        { header: 'MESSAGE', value: (l) => clean(l.body, 200) },
      ]),
    )
  })
}
