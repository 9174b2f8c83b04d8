/**
 * The collector as one object: storage, pipeline, receivers, query API (and later alerts), started in
 * order and stopped in reverse. `stop()` stops accepting, flushes every batch, waits for in-flight
 * statements, then closes storage; it is safe to call twice.
 */
import type { Server as GrpcServer } from '@grpc/grpc-js'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config.js'
import { skeinError } from './errors.js'
import { connectionLimits, limitHttpServer, openFilesLimit } from './http/connections.js'
import { createLog, type LogFn } from './log.js'
import { Metrics } from './metrics.js'
import { createPipeline, type Pipeline } from './pipeline/pipeline.js'
import { createApiServer } from './query/api.js'
import { createDb, type Db } from './query/db.js'
import { bindGrpc, createGrpcServer } from './receivers/grpc.js'
import { createIngestServer } from './receivers/http.js'
import { openStorage, type SkeinInserter, type Storage } from './storage/storage.js'

/** Ports actually bound (differ from config when 0 was asked). */
export interface Ports {
  grpc: number
  ingest: number
  api: number
}

export interface Collector {
  readonly config: Config
  /** Which engine stores the data; the connections themselves stay inside (only `stop()` closes them). */
  readonly storage: Pick<Storage, 'mode'>
  readonly pipeline: Pipeline
  readonly metrics: Metrics
  readonly db: Db
  readonly ports: Ports
  stop(): Promise<void>
}

/**
 * What a plugin is handed: read-only queries and inserts into Skein's own tables, never a connection
 * nor the collector's lifecycle. Storage is closed only by `Collector.stop()`, after every statement has
 * finished: chDB aborts the whole process when a connection closes under a running statement.
 */
export interface PluginContext {
  readonly config: Config
  readonly log: LogFn
  /** Read-only queries with the server-side time limit, on the query connections. */
  readonly db: Db
  /** Inserts into Skein's own `skein_*` tables. */
  readonly inserter: SkeinInserter
}

/** Hooks for parts that plug into the collector (alerts, demo). */
export interface CollectorPlugin {
  name: string
  /** Registers API routes before the server starts listening. */
  routes?: (app: FastifyInstance, c: PluginContext) => void
  /** Runs once every port is bound. */
  start?: (c: PluginContext & { readonly ports: Ports }) => Promise<void> | void
  stop?: () => Promise<void> | void
}

async function listen(app: FastifyInstance, host: string, port: number, flag: string): Promise<number> {
  try {
    await app.listen({ host, port })
  } catch (e) {
    throw portError(e, host, port, flag)
  }
  const addr = app.server.address()
  return typeof addr === 'object' && addr ? addr.port : port
}

function portError(e: unknown, host: string, port: number, flag: string) {
  const code = (e as NodeJS.ErrnoException).code
  const why =
    code === 'EADDRINUSE' || /address already in use|No address added/i.test(String((e as Error).message))
      ? 'is already in use'
      : code === 'EACCES'
        ? 'needs privileges'
        : `cannot be bound (${(e as Error).message})`
  return skeinError('CONFIG', `port ${host}:${port} ${why}; choose another with ${flag}`, e)
}

export async function startCollector(
  config: Config,
  plugins: CollectorPlugin[] = [],
  log: LogFn = createLog(config.logLevel),
): Promise<Collector> {
  const metrics = new Metrics()
  const storage = await openStorage(config)
  let ready = true
  const pipeline = createPipeline(storage, config, metrics, log)
  // What a previous run acknowledged and left in the write-ahead log goes in before new ingest.
  await pipeline.replayed
  const db = createDb(storage.queryClients, storage.table, config.queryTimeoutMs, {
    sessionSettings: storage.mode === 'embedded',
  })
  const plugged: PluginContext = { config, log, db, inserter: storage.inserter }
  const isReady = () => ready && pipeline.healthy()
  const deps = { config, pipeline, metrics, ready: isReady, log }
  const ingest = await createIngestServer(deps)
  const grpc: GrpcServer = createGrpcServer(deps)
  const api = await createApiServer({
    config,
    db,
    ready: isReady,
    log,
    extraRoutes: plugins.filter((p) => p.routes).map((p) => (app) => p.routes?.(app, plugged)),
  })
  // Timeouts and a bound on connections for both HTTP ports (gRPC applies the same in its receiver).
  const limits = connectionLimits(config, openFilesLimit())
  if (limits.lowered) log('warn', limits.lowered)
  for (const app of [ingest, api]) limitHttpServer(app.server, limits)
  const closers: (() => Promise<unknown>)[] = []
  const shutdownStarted = { value: false }
  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      shutdownStarted.value = true
      ready = false
      for (const p of [...plugins].reverse()) await p.stop?.()
      // Stop accepting first, then drain what was accepted, then close storage.
      await Promise.allSettled(closers.map((c) => c()))
      await pipeline.shutdown()
      await storage.close()
    })()
    return stopped
  }
  try {
    const ingestPort = await listen(ingest, config.host, config.ingestPort, '--ingest-port')
    closers.push(() => ingest.close())
    let grpcPort: number
    try {
      grpcPort = await bindGrpc(grpc, config.host, config.grpcPort)
    } catch (e) {
      throw portError(e, config.host, config.grpcPort, '--grpc-port')
    }
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            grpc.forceShutdown()
            resolve()
          }, 5000)
          grpc.tryShutdown(() => {
            clearTimeout(t)
            resolve()
          })
        }),
    )
    const apiPort = await listen(api, config.host, config.port, '--port')
    closers.push(() => api.close())
    const ports: Ports = { grpc: grpcPort, ingest: ingestPort, api: apiPort }
    for (const p of plugins) await p.start?.({ ...plugged, ports })
    return { config, storage: { mode: storage.mode }, pipeline, metrics, db, ports, stop }
  } catch (e) {
    await stop().catch(() => undefined)
    throw e
  }
}
