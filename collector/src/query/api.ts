/**
 * The query API (port 8080, prefix /api/v1) and the UI's static files. Read-only; every handler parses
 * its parameters through params.ts (400 naming the parameter) and its SQL through sql.ts. Errors are
 * `{"error":{"code","message"}}`, never a stack trace.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { tokenCheck } from '../auth.js'
import type { Config } from '../config.js'
import { asSkeinError, errorBody, skeinError } from '../errors.js'
import type { Db } from './db.js'
import { dependencies, parseDependenciesParams } from './dependencies.js'
import { operationLatency, parseLatencyParams } from './latency.js'
import { parseLogSearchParams, searchLogs } from './logs.js'
import { listOperations, parseOperationsParams } from './operations.js'
import { hexId, type Query, timeRange } from './params.js'
import { parseRedParams, redSeries } from './red.js'
import { listServices } from './services.js'
import { parseSlowSpansParams, slowSpans } from './slow.js'
import { getTrace } from './trace.js'
import { parseTraceSearchParams, searchTraces } from './trace-search.js'

export interface ApiDeps {
  config: Config
  db: Db
  ready: () => boolean
  log: (level: 'info' | 'warn' | 'error', msg: string) => void
  /** Extra route registrations (alerts, etc.), given the app after the core routes. */
  extraRoutes?: ((app: FastifyInstance) => void)[]
}

export type Handler = (req: FastifyRequest) => Promise<unknown>

/** Default location of the built UI: ui/dist beside the collector package. */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../../ui/dist', import.meta.url))
}

const PLACEHOLDER = `<!doctype html><html><head><meta charset="utf-8"><title>Skein</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Skein</h1><p>The UI is not built yet (run <code>npm run build</code>). The API is up:
<a href="/api/v1/services">/api/v1/services</a>.</p></body></html>`

export async function createApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, db } = deps
  const app = Fastify({ logger: false, return503OnClosing: true, routerOptions: { maxParamLength: 256 } })
  const authorized = tokenCheck(config.queryToken)

  app.setErrorHandler((err, req, reply) => {
    const code = (err as { code?: string }).code
    const e =
      code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? skeinError('UNSUPPORTED_MEDIA_TYPE', 'expected application/json')
        : code?.startsWith('FST_ERR_') && (err as { statusCode?: number }).statusCode === 400
          ? skeinError('BAD_REQUEST', (err as Error).message)
          : asSkeinError(err)
    if (e.status >= 500)
      deps.log(e.retryable ? 'warn' : 'error', `api ${req.method} ${req.url}: ${(err as Error).stack ?? err}`)
    if (e.retryable) reply.header('Retry-After', '2')
    return reply.code(e.status).send(errorBody(e))
  })
  app.setNotFoundHandler((req, reply) => {
    if (req.url.startsWith('/api/'))
      return reply
        .code(404)
        .send(errorBody(skeinError('NOT_FOUND', `no endpoint ${req.method} ${req.url.split('?')[0]}`)))
    if (req.method === 'GET' && uiReady) return reply.sendFile('index.html')
    if (req.method === 'GET') return reply.type('text/html').send(PLACEHOLDER)
    return reply.code(404).send(errorBody(skeinError('NOT_FOUND', 'not found')))
  })

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return
    if (!authorized(req.headers.authorization)) {
      return reply.code(401).send(errorBody(skeinError('UNAUTHORIZED', 'missing or wrong bearer token')))
    }
  })

  app.get('/health', async (_req, reply) =>
    deps.ready() ? { status: 'ok' } : reply.code(503).send({ status: 'unavailable' }),
  )

  const get = (path: string, handler: Handler) => app.get(`/api/v1${path}`, handler)
  get('/services', (req) => listServices(db, timeRange(req.query as Query)))
  get('/services/:service/operations', (req) =>
    listOperations(
      db,
      parseOperationsParams((req.params as { service: string }).service, req.query as Query),
    ),
  )
  get('/traces', (req) => searchTraces(db, parseTraceSearchParams(req.query as Query)))
  get('/traces/:traceId', (req) =>
    getTrace(db, hexId((req.params as { traceId: string }).traceId, 'traceId', 32)),
  )
  get('/logs', (req) => searchLogs(db, parseLogSearchParams(req.query as Query)))
  get('/spans/slow', (req) => slowSpans(db, parseSlowSpansParams(req.query as Query)))
  get('/operations/latency', (req) => operationLatency(db, parseLatencyParams(req.query as Query)))
  get('/metrics/red', (req) => redSeries(db, parseRedParams(req.query as Query)))
  get('/dependencies', (req) => dependencies(db, parseDependenciesParams(req.query as Query)))

  for (const register of deps.extraRoutes ?? []) register(app)

  const uiDir = config.uiDir ?? defaultUiDir()
  const uiReady = existsSync(join(uiDir, 'index.html'))
  if (uiReady) await app.register(fastifyStatic, { root: uiDir, wildcard: false, index: ['index.html'] })
  else app.get('/', async (_req, reply) => reply.type('text/html').send(PLACEHOLDER))
  return app
}
