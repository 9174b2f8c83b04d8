/**
 * `skein serve --demo`: runs the example shop (examples/shop/launcher.mjs: four services, their database
 * and a load generator) as child processes pointed at this collector's bound ports. Nothing of the shop
 * is loaded into the collector: it is spawned only when --demo is on, in its own process group, so that
 * stopping can reach every process it started even if the launcher itself is gone.
 *
 * Stop order matters: `Collector.stop()` stops plugins before it closes the receivers, so the shop's
 * final flush (SDK shutdown on SIGTERM) still lands in storage.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Config } from '../config.js'
import type { LogFn } from '../log.js'
import type { CollectorPlugin } from '../server.js'

/** collector/dist/demo/plugin.js → examples/shop/launcher.mjs (same layout in the Docker image). */
export const SHOP_LAUNCHER = fileURLToPath(new URL('../../../examples/shop/launcher.mjs', import.meta.url))

/** How long the shop may take to flush and exit after SIGTERM before its process group is killed. */
const STOP_GRACE_MS = 12_000

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0)
    return true
  } catch (e) {
    // EPERM means a process in the group exists but is not ours to signal: still alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() >= deadline) return false
    await new Promise((r) => setTimeout(r, 50))
  }
  return true
}

export function demoPlugin(config: Config, launcher = SHOP_LAUNCHER): CollectorPlugin {
  let child: ChildProcess | undefined
  let log: LogFn = () => undefined
  let stopping = false
  const exited = () => !child || child.exitCode !== null || child.signalCode !== null
  return {
    name: 'demo',
    start(c) {
      log = c.log
      if (!existsSync(launcher)) {
        log('warn', `--demo: the example shop is not installed (${launcher} is missing); running without it`)
        return
      }
      // The shop connects to loopback when the collector listens on every interface.
      const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
      const hostInUrl = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
      const quiet = config.logLevel !== 'debug'
      child = spawn(process.execPath, [launcher], {
        cwd: dirname(launcher),
        // Own process group (and session): Ctrl-C in the terminal reaches only the collector, which
        // then stops the shop in order; and the group lets stop() find every descendant.
        detached: true,
        // The services' pino lines would drown the collector's own output; `--log-level debug` shows them.
        stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'pipe', 'ipc'],
        env: {
          ...process.env,
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://${hostInUrl}:${c.ports.grpc}`,
          SKEIN_LOGS_ENDPOINT: `http://${hostInUrl}:${c.ports.ingest}`,
          ...(config.ingestToken ? { SKEIN_INGEST_TOKEN: config.ingestToken } : {}),
        },
      })
      const pid = child.pid
      if (child.stderr) createInterface({ input: child.stderr }).on('line', (line) => log('info', line))
      child.on('error', (e) => log('error', `--demo: cannot start the shop: ${e.message}`))
      child.on('message', (m: { ready?: boolean; services?: string[]; rate?: number }) => {
        if (!m?.ready) return
        process.stdout.write(
          `Demo shop running: ${m.services?.join(', ')} and a load generator (${m.rate} req/s); ` +
            `open http://${hostInUrl}:${c.ports.api} to see their traces\n`,
        )
      })
      child.once('exit', (code, signal) => {
        if (!stopping) log('warn', `--demo: the shop exited (${signal ?? code})`)
      })
      log('info', `demo shop started (launcher pid ${pid}, process group ${pid})`)
    },
    async stop() {
      stopping = true
      const pgid = child?.pid
      if (!child || pgid === undefined) return
      if (!exited()) child.kill('SIGTERM')
      const clean = (await waitFor(exited, STOP_GRACE_MS)) && (await waitFor(() => !groupAlive(pgid), 2000))
      if (!clean) {
        log('warn', '--demo: the shop did not stop in time; killing its processes')
        try {
          process.kill(-pgid, 'SIGKILL')
        } catch {}
        await waitFor(() => exited() && !groupAlive(pgid), 2000)
      }
      if (child.connected) child.disconnect()
    },
  }
}

// Registered at import (cli.ts imports this module); the plugin exists only when --demo is on.
