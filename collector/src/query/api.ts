/**
 * The query API (port 8080, prefix /api/v1) and the UI's static files. Read-only. Every route is one of
 * @skein/model's table (route.ts): its parameters are parsed through params.ts from their declarations
 * (400 naming the parameter), its answer is type-checked against its schema, and the table is served as
 * an OpenAPI document at /api/v1/openapi.json. SQL goes through sql.ts. Errors are
 * `{"error":{"code","message"}}`, never a stack trace, fastify's own refusals included (http/errors.ts).
 * Every route needs the query token except those declared public (health, the UI), see http/guard.ts;
 * every answer carries the security headers of http/headers.ts.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { COMPACT_MEDIA_TYPE, openApiDocument, ROUTES } from '@skein/model'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { compatRoutes } from '../compat/routes.js'
import type { Config } from '../config.js'
import { asSkeinError, clip, type SkeinError, skeinError, toHttp } from '../errors.js'
import { clientErrorHandler, frameworkErrors, fromFastifyError } from '../http/errors.js'
import { allowHosts, publicRoutes, requireToken } from '../http/guard.js'
import { SECURITY_HEADERS, securityHeaders } from '../http/headers.js'
import { compareParams, compareRequests } from './compare.js'
import type { Db } from './db.js'
import { dependencies, dependenciesParams } from './dependencies.js'
import { diffTraces } from './diff.js'
import { latencyParams, operationLatency } from './latency.js'
import { logSearchParams, searchLogs } from './logs.js'
import { listOperations, operationsParams } from './operations.js'
import { timeRange } from './params.js'
import { logPatterns, logPatternsParams } from './patterns.js'
import { redParams, redSeries } from './red.js'
import { declared, serializerCompiler, validatorCompiler } from './route.js'
import { listServices } from './services.js'
import { slowSpans, slowSpansParams } from './slow.js'
import { getTrace, getTraceCompact, getTraceSpan } from './trace.js'
import { searchTraces, traceSearchParams } from './trace-search.js'
import { logVolume, logVolumeParams } from './volume.js'

export interface ApiDeps {
  config: Config
  db: Db
  ready: () => boolean
  log: (level: 'info' | 'warn' | 'error', msg: string) => void
  /** Extra route registrations (alerts, etc.), given the app after the core routes. */
  extraRoutes?: ((app: FastifyInstance) => void)[]
}

/** Default location of the built UI: ui/dist beside the collector package. */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../../ui/dist', import.meta.url))
}

const PLACEHOLDER = `<!doctype html><html><head><meta charset="utf-8"><title>Skein</title></head>
<body>
<h1>Skein</h1><p>The UI is not built yet (run <code>npm run build</code>). The API is up:
<a href="/api/v1/services">/api/v1/services</a>.</p></body></html>`

/** Rule bodies are a few hundred bytes; nothing the API takes comes near this. */
export const API_BODY_LIMIT = 256 * 1024

function sendError(reply: FastifyReply, e: SkeinError): FastifyReply {
  const { status, headers, body } = toHttp(e)
  return reply.code(status).headers(headers).send(body)
}

/** Longest path parameter (a service, an operation, a rule id) the router takes. */
const MAX_PARAM_LENGTH = 256

function notFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = clip(req.url.split('?')[0], 200)
  return sendError(reply, skeinError('NOT_FOUND', `no endpoint ${req.method} ${path}`))
}

/**
 * Any other path under /api. A parameter over the length limit lands here too: the router passes over
 * the route whose parameter it is for this catch-all, so it is told apart by its length.
 */
function apiNotFound(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const rest = (req.params as { '*'?: string })['*'] ?? ''
  if (rest.split('/').some((segment) => segment.length > MAX_PARAM_LENGTH))
    return sendError(
      reply,
      skeinError('URI_TOO_LONG', `a segment of the path is longer than ${MAX_PARAM_LENGTH} characters`),
    )
  return notFound(req, reply)
}

/** A route as fastify registered it. */
export interface RegisteredRoute {
  method: string
  url: string
}

const routeTables = new WeakMap<FastifyInstance, RegisteredRoute[]>()

/**
 * Every route of an API server, as fastify's router has it (HEAD routes included), in registration
 * order: what the OpenAPI document is tested against.
 */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return routeTables.get(app) ?? []
}

export async function createApiServer(deps: ApiDeps): Promise<FastifyInstance> {
  const { config, db } = deps
  const app = Fastify({
    logger: false,
    return503OnClosing: true,
    bodyLimit: API_BODY_LIMIT,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Requests refused before routing: no hook runs for them, so they get the headers here.
    frameworkErrors: frameworkErrors((_req, reply, e) => sendError(reply.headers(SECURITY_HEADERS), e)),
    clientErrorHandler: clientErrorHandler(SECURITY_HEADERS),
  })
  const table: RegisteredRoute[] = []
  routeTables.set(app, table)
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) table.push({ method, url: route.url })
  })
  // The API takes JSON only: a text/plain body is what a cross-site form can send without a preflight.
  app.removeContentTypeParser('text/plain')
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  app.setErrorHandler((err, req, reply) => {
    const e = fromFastifyError(err, req) ?? asSkeinError(err)
    if (e.status >= 500)
      deps.log(e.retryable ? 'warn' : 'error', `api ${req.method} ${req.url}: ${(err as Error).stack ?? err}`)
    return sendError(reply, e)
  })
  app.setNotFoundHandler(notFound)

  securityHeaders(app)
  allowHosts(app, config.allowedHosts, (_req, reply, e) => sendError(reply, e))
  requireToken(app, config.queryToken, (_req, reply, e) => sendError(reply, e))

  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  api.route({
    ...declared(ROUTES.health),
    handler: async (_req, reply) =>
      deps.ready() ? { status: 'ok' as const } : reply.code(503).send({ status: 'unavailable' }),
  })
  const document = openApiDocument()
  api.route({ ...declared(ROUTES.openapi), handler: async () => document })
  api.route({
    ...declared(ROUTES.listServices),
    handler: (req) => listServices(db, timeRange(req.query)),
  })
  api.route({
    ...declared(ROUTES.listOperations),
    handler: (req) => listOperations(db, operationsParams(req.params, req.query)),
  })
  api.route({
    ...declared(ROUTES.searchTraces),
    handler: (req) => searchTraces(db, traceSearchParams(req.query)),
  })
  api.route({
    ...declared(ROUTES.getTrace),
    handler: (req) => getTrace(db, req.params.traceId.toLowerCase(), { maxSpans: req.query.maxSpans }),
  })
  api.route({
    ...declared(ROUTES.getTraceCompact),
    handler: async (req, reply) => {
      const body = await getTraceCompact(db, req.params.traceId.toLowerCase())
      // A Buffer goes out as it is: no serializer runs.
      return reply.type(COMPACT_MEDIA_TYPE).send(Buffer.from(body.buffer, body.byteOffset, body.byteLength))
    },
  })
  api.route({
    ...declared(ROUTES.getTraceSpan),
    handler: (req) => getTraceSpan(db, req.params.traceId.toLowerCase(), req.params.spanId.toLowerCase()),
  })
  api.route({
    ...declared(ROUTES.compare),
    handler: (req) => compareRequests(db, compareParams(req.query)),
  })
  api.route({
    ...declared(ROUTES.diffTraces),
    handler: (req) => diffTraces(db, req.params.a.toLowerCase(), req.params.b.toLowerCase()),
  })
  api.route({
    ...declared(ROUTES.searchLogs),
    handler: (req) => searchLogs(db, logSearchParams(req.query)),
  })
  api.route({
    ...declared(ROUTES.logVolume),
    handler: (req) => logVolume(db, logVolumeParams(req.query)),
  })
  api.route({
    ...declared(ROUTES.logPatterns),
    handler: (req) => logPatterns(db, logPatternsParams(req.query)),
  })
  api.route({
    ...declared(ROUTES.slowSpans),
    handler: (req) => slowSpans(db, slowSpansParams(req.query)),
  })
  api.route({
    ...declared(ROUTES.operationLatency),
    handler: (req) => operationLatency(db, latencyParams(req.query)),
  })
  api.route({
    ...declared(ROUTES.redSeries),
    handler: (req) => redSeries(db, redParams(req.query)),
  })
  api.route({
    ...declared(ROUTES.dependencies),
    handler: (req) => dependencies(db, dependenciesParams(req.query)),
  })

  // Tempo's and Loki's read APIs (/tempo/…, /loki/api/v1/…), for Grafana's and Perses' data sources.
  compatRoutes(app, db)
  for (const register of deps.extraRoutes ?? []) register(app)
  // Any other path under /api is an API 404, behind the token like the API itself.
  app.all('/api/*', apiNotFound)

  // The UI: its files, and index.html for every other GET (its client-side routes), all public.
  const uiDir = config.uiDir ?? defaultUiDir()
  const uiReady = existsSync(join(uiDir, 'index.html'))
  await app.register(async (ui) => {
    publicRoutes(ui)
    if (uiReady) {
      await ui.register(fastifyStatic, { root: uiDir, wildcard: false, index: ['index.html'] })
      ui.get('/*', (_req, reply) => reply.sendFile('index.html'))
    } else {
      const placeholder = async (_req: FastifyRequest, reply: FastifyReply) =>
        reply.type('text/html').send(PLACEHOLDER)
      ui.get('/', placeholder)
      ui.get('/*', placeholder)
    }
  })
  return app
}
