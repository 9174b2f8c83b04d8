/** `skein serve`: the collector, UI and API in one process, until SIGINT/SIGTERM. */
import type { Command } from 'commander'
import { loadConfig, OPTIONS, type RawFlags } from '../config.js'
import { isSkeinError } from '../errors.js'
import { createLog } from '../log.js'
import type { CollectorPlugin } from '../server.js'

type Config = ReturnType<typeof loadConfig>

/**
 * The parts that plug into `skein serve`, in start order. Loaded only when serving, so query commands
 * start fast and the demo shop's launcher is not even read unless --demo is on.
 */
export const SERVE_PLUGINS: ((config: Config) => Promise<CollectorPlugin | undefined>)[] = [
  async (config) => (await import('../alerts/plugin.js')).alertsPlugin(config),
  async (config) => (config.demo ? (await import('../demo/plugin.js')).demoPlugin(config) : undefined),
]

export function registerServe(program: Command): void {
  const cmd = program.command('serve').description('run the collector, the UI and the query API')
  for (const o of OPTIONS) {
    if (o.kind === 'bool') cmd.option(o.flag, `${o.help} (env ${o.env})`)
    else
      cmd.option(`${o.flag} <value>`, `${o.help} (env ${o.env}${o.default ? `, default ${o.default}` : ''})`)
  }
  cmd.action(async (flags: RawFlags) => {
    let config: ReturnType<typeof loadConfig>
    try {
      config = loadConfig(flags)
    } catch (e) {
      process.stderr.write(`skein: ${(e as Error).message}\n`)
      process.exit(2)
    }
    const log = createLog(config.logLevel)
    const { startCollector } = await import('../server.js')
    let collector: Awaited<ReturnType<typeof startCollector>>
    try {
      const plugins = (await Promise.all(SERVE_PLUGINS.map((f) => f(config)))).filter(
        (p): p is CollectorPlugin => p !== undefined,
      )
      collector = await startCollector(config, plugins, log)
    } catch (e) {
      const msg = isSkeinError(e) ? e.message : `failed to start: ${(e as Error).stack ?? e}`
      process.stderr.write(`skein: ${msg}\n`)
      process.exit(1)
    }
    const { ports } = collector
    const shown = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
    log(
      'info',
      `storage: ${collector.storage.mode === 'embedded' ? `embedded chDB in ${config.dataDir}` : config.clickhouse?.url}`,
    )
    log(
      'info',
      `OTLP gRPC on ${config.host}:${ports.grpc}, OTLP HTTP + Loki push on ${config.host}:${ports.ingest}`,
    )
    process.stdout.write(`Skein is running: open http://${shown}:${ports.api}\n`)
    let stopping = false
    const onSignal = (sig: string) => {
      if (stopping) {
        process.stderr.write(`skein: second ${sig}, exiting without waiting\n`)
        process.exit(130)
      }
      stopping = true
      log('info', `${sig}: stopping (flushing what was accepted)`)
      collector.stop().then(
        () => process.exit(0),
        (e) => {
          process.stderr.write(`skein: error while stopping: ${(e as Error).message}\n`)
          process.exit(1)
        },
      )
    }
    process.on('SIGINT', () => onSignal('SIGINT'))
    process.on('SIGTERM', () => onSignal('SIGTERM'))
  })
}
