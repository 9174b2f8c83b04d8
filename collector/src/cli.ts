#!/usr/bin/env node
/** The `skein` command: `serve` and the query commands. */
import { Command } from 'commander'
import { registerAlerts } from './cli/alerts.js'
import { registerLogs } from './cli/logs.js'
import { registerServe } from './cli/serve.js'
import { registerSlow } from './cli/slow.js'
import { registerTrace } from './cli/trace.js'
import { registerTraces } from './cli/traces.js'
import { registerWhy } from './cli/why.js'

const program = new Command()
program
  .name('skein')
  .description('Skein: traces and logs of Node.js services, in ClickHouse')
  .showHelpAfterError()
/**
 * Every command, one module each. Query commands (and `alerts`, when it comes) talk to a running
 * collector only through cli/client.ts: `withClientFlags` for --url/--token/--json, `apiGet`, and
 * CliError for the one-line failure printed below.
 */
const COMMANDS: ((program: Command) => void)[] = [
  registerServe,
  registerSlow,
  registerTraces,
  registerTrace,
  registerLogs,
  registerAlerts,
  registerWhy,
]
for (const register of COMMANDS) register(program)

program.parseAsync(process.argv).catch((e) => {
  process.stderr.write(`skein: ${(e as Error).message}\n`)
  process.exit(1)
})
