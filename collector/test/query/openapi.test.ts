/**
 * GET /api/v1/openapi.json: a valid OpenAPI 3.1 document (checked by a published validator against the
 * specification's own schema) that lists every route of the query port, as fastify's router has them,
 * and no route that is not there.
 *
 * The server is built in-process with no storage behind it: this test reads the route table and one
 * answer that needs none, so no query runs (`db` and the rule store are never called).
 */
import { Validator } from '@seriousme/openapi-schema-validator'
import { COMPACT_MEDIA_TYPE, openApiPath, ROUTES } from '@skein/model'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerAlertRoutes } from '../../src/alerts/routes.js'
import type { RuleStore } from '../../src/alerts/store.js'
import { loadConfig } from '../../src/config.js'
import { createApiServer, registeredRoutes } from '../../src/query/api.js'
import type { Db } from '../../src/query/db.js'

let app: FastifyInstance
let doc: any

beforeAll(async () => {
  app = await createApiServer({
    config: loadConfig({}, {}),
    db: {} as Db,
    ready: () => true,
    log: () => {},
    extraRoutes: [(api) => registerAlertRoutes(api, {} as RuleStore, { allowPrivate: false })],
  })
  await app.ready()
  const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
  expect(res.statusCode).toBe(200)
  expect(res.headers['content-type']).toMatch(/^application\/json/)
  doc = res.json()
})
afterAll(() => app?.close())

/** The API's routes as fastify has them: HEAD is fastify's own twin of each GET, `/api/*` the 404. */
function apiRoutes(): string[] {
  return registeredRoutes(app)
    .filter((r) => r.method !== 'HEAD' && (r.url.startsWith('/api/v1/') || r.url === '/health'))
    .map((r) => `${r.method} ${openApiPath(r.url)}`)
    .sort()
}

function documented(): string[] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort()
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    expect(doc.openapi).toBe('3.1.0')
    const result = await new Validator().validate(doc)
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
  })

  it("lists every route of fastify's route table, and only those", () => {
    expect(apiRoutes().length).toBeGreaterThanOrEqual(Object.keys(ROUTES).length)
    expect(documented()).toEqual(apiRoutes())
  })

  it('documents each parameter where the server takes it, with its rules', () => {
    const search = doc.paths['/api/v1/traces'].get
    const limit = search.parameters.find((p: any) => p.name === 'limit')
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1 } })
    const attr = search.parameters.find((p: any) => p.name === 'attr')
    expect(attr.schema).toMatchObject({ type: 'array', maxItems: 20 })
    const trace = doc.paths['/api/v1/traces/{traceId}'].get
    expect(trace.parameters).toEqual([
      expect.objectContaining({ name: 'traceId', in: 'path', required: true }),
      expect.objectContaining({ name: 'maxSpans', in: 'query', required: false }),
    ])
    expect(trace.responses['404'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    })
  })

  it('documents the log volume and patterns with the filters of log search, pattern included', () => {
    const names = (path: string) => doc.paths[path].get.parameters.map((p: any) => p.name).sort()
    const filters = names('/api/v1/logs').filter((n: string) => n !== 'limit')
    expect(filters).toContain('pattern')
    expect(names('/api/v1/logs/volume')).toEqual([...filters, 'step'].sort())
    expect(names('/api/v1/logs/patterns')).toEqual([...filters, 'limit', 'step'].sort())
  })

  it('says which answer is not JSON: the compact form of a trace', () => {
    const compact = doc.paths['/api/v1/traces/{traceId}/compact'].get
    expect(Object.keys(compact.responses['200'].content)).toEqual([COMPACT_MEDIA_TYPE])
    expect(compact.responses['200'].content[COMPACT_MEDIA_TYPE].schema).toMatchObject({ format: 'binary' })
    expect(compact.responses['404'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    })
    const span = doc.paths['/api/v1/traces/{traceId}/spans/{spanId}'].get
    expect(span.parameters.map((p: any) => [p.name, p.in])).toEqual([
      ['traceId', 'path'],
      ['spanId', 'path'],
    ])
    const trace = doc.paths['/api/v1/traces/{traceId}'].get
    expect(trace.parameters.find((p: any) => p.name === 'maxSpans')).toMatchObject({
      in: 'query',
      required: false,
    })
  })

  it('needs the query token like the rest of the API, except for health', () => {
    expect(doc.security).toEqual([{ queryToken: [] }])
    expect(doc.paths['/health'].get.security).toEqual([])
  })
})
