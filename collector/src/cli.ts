#!/usr/bin/env node
/** The `skein` command: `serve` and the query commands. */
import { Command } from 'commander'
import { registerServe } from './cli/serve.js'

const program = new Command()
program.name('skein').description('Skein: traces and logs of Node.js services, in ClickHouse').showHelpAfterError()
registerServe(program)

program.parseAsync(process.argv).catch((e) => {
  process.stderr.write(`skein: ${(e as Error).message}\n`)
  process.exit(1)
})
