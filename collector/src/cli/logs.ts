/** `skein logs`: log search, newest first; or `--follow`, new lines as they arrive, oldest first. */
import type { LogRecord, LogSearchAnswer } from '@skein/model'
import type { Command } from 'commander'
import {
  apiGet,
  type ClientFlags,
  durationFlag,
  intFlag,
  lookbackFlag,
  type Params,
  printJson,
  withClientFlags,
} from './client.js'
import { clean, formatTime, print, table } from './format.js'

/** What the CLI shows of a log line (the API sends more: @skein/model's `LogRecord`). */
export type LogLine = Pick<
  LogRecord,
  'timestampNs' | 'timestamp' | 'service' | 'severityText' | 'body' | 'traceId' | 'spanId'
>

interface Flags extends ClientFlags {
  service?: string
  level?: string
  trace?: string
  grep?: string
  ignoreCase?: boolean
  since?: string
  limit?: string
  follow?: boolean
  interval?: string
}

/** Most lines one poll of `--follow` asks for (the API's own cap). */
const FOLLOW_PAGE = 1000
/**
 * How far behind the newest line each poll of `--follow` looks again: lines reach storage late (pino-loki
 * batches for up to 5 s, clocks differ), and a line that arrives late is still printed, once.
 */
export const FOLLOW_OVERLAP_MS = 30_000

export function registerLogs(program: Command): void {
  withClientFlags(
    program
      .command('logs')
      .description('search logs, newest first; --follow prints new lines as they arrive')
      .option('--service <name>', 'only this service')
      .option('--level <level>', 'at least this level: trace, debug, info, warn, error, fatal')
      .option('--trace <traceId>', 'only lines of this trace')
      .option('--grep <text>', 'lines whose message contains this text (literally)')
      .option('-i, --ignore-case', 'with --grep: ignore case')
      .option('--since <duration>', 'how far back to look, e.g. 15m, 1h, 7d', '1h')
      .option('--limit <n>', 'how many lines (with --follow: how many to start with)', '100')
      .option('-f, --follow', 'keep printing new lines, oldest first, until interrupted (Ctrl-C)')
      .option('--interval <duration>', 'with --follow: how often to ask for new lines', '1s'),
  ).action(async (flags: Flags) => {
    const filters: Params = {
      service: flags.service,
      level: flags.level,
      traceId: flags.trace,
      q: flags.grep,
      ignoreCase: flags.ignoreCase && flags.grep !== undefined ? 'true' : undefined,
    }
    const lookback = lookbackFlag(flags.since)
    const limit = intFlag('--limit', flags.limit)
    if (flags.follow) return follow(flags, filters, lookback, limit ?? 100)
    const body = await apiGet<LogSearchAnswer>(flags, '/logs', { ...filters, lookback, limit })
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

/** One line of `--follow` output: fixed-width columns, since no table can be aligned ahead of time. */
export function followLine(l: LogLine): string {
  return [
    formatTime(l.timestamp),
    clean(l.service, 20).padEnd(20),
    clean(l.severityText || '-', 5).padEnd(5),
    (l.traceId || '-').padEnd(32),
    clean(l.body, 200),
  ].join('  ')
}

const key = (l: LogLine) => `${l.timestampNs}\u0000${l.service}\u0000${l.spanId}\u0000${l.body}`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * The last `limit` lines, then every `--interval` the lines since the newest seen (less an overlap, for
 * lines that arrive late), each printed once, oldest first; as NDJSON with `--json`. Runs until the
 * process is interrupted; an API error ends it like any other command.
 */
async function follow(flags: Flags, filters: Params, lookback: string | undefined, limit: number) {
  const intervalMs = durationFlag('--interval', flags.interval) ?? 1000
  const seen = new Map<string, bigint>()
  let newestNs = 0n
  let warned = false
  const show = (lines: LogLine[]) => {
    const fresh = lines.filter((l) => !seen.has(key(l)))
    fresh.sort((a, b) => (BigInt(a.timestampNs) < BigInt(b.timestampNs) ? -1 : 1))
    for (const l of fresh) {
      const ns = BigInt(l.timestampNs)
      seen.set(key(l), ns)
      if (ns > newestNs) newestNs = ns
      process.stdout.write(`${flags.json ? JSON.stringify(l) : followLine(l)}\n`)
    }
  }
  const first = await apiGet<LogSearchAnswer>(flags, '/logs', { ...filters, lookback, limit })
  show(first.logs)
  let sinceMs = Date.now()
  for (;;) {
    await sleep(intervalMs)
    const newestMs = newestNs > 0n ? Number(newestNs / 1_000_000n) : sinceMs
    const startMs = Math.min(newestMs, Date.now()) - FOLLOW_OVERLAP_MS
    // Forget what is older than the window: it cannot come back.
    const floor = BigInt(startMs) * 1_000_000n
    for (const [k, ns] of seen) if (ns < floor) seen.delete(k)
    const page = await apiGet<LogSearchAnswer>(flags, '/logs', {
      ...filters,
      start: String(startMs),
      end: String(Date.now() + 60_000),
      limit: FOLLOW_PAGE,
    })
    // A full page that does not reach back to what was already printed has left a gap.
    const reachesBack = page.logs.some((l) => seen.has(key(l)) || BigInt(l.timestampNs) <= newestNs)
    if (page.logs.length >= FOLLOW_PAGE && !reachesBack && !warned) {
      warned = true
      process.stderr.write(
        `skein: more than ${FOLLOW_PAGE} lines per ${flags.interval ?? '1s'}; some are skipped (narrow the filters)\n`,
      )
    }
    show(page.logs)
    sinceMs = Date.now()
  }
}
