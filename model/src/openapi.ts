/**
 * The OpenAPI 3.1 document of the query port, generated from the route table: the same declarations
 * that validate the parameters and serialize the answers, so the document cannot drift from the server.
 * 3.1 because its schemas are JSON Schema, as TypeBox's are (`const`, `type: "null"`).
 */
import type { TObject, TSchema } from 'typebox'
import { ErrorBody } from './responses.js'
import { ROUTES, type RouteSpec } from './routes.js'

export type OpenApiDocument = {
  openapi: '3.1.0'
  info: { title: string; version: string; description?: string }
  paths: Record<string, Record<string, unknown>>
  components: Record<string, unknown>
  security: Record<string, string[]>[]
}

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No content',
  400: 'A bad parameter or body field (SKEIN_ERR_BAD_PARAM, SKEIN_ERR_BAD_RULE, …), named in the message',
  401: 'No valid token (--query-token)',
  404: 'Unknown id',
  503: 'Storage unavailable, or a query over its time limit; retry later',
}

/** A plain JSON copy: TypeBox's own markers are not enumerable and so are left behind. */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema))
}

/** fastify's `:name` → OpenAPI's `{name}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

function parameters(where: 'path' | 'query', schema: TObject | undefined): Record<string, unknown>[] {
  if (!schema) return []
  const required = new Set(schema.required ?? [])
  return Object.entries(schema.properties).map(([name, s]) => {
    const p = plain(s)
    const description = p.description
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: p,
    }
  })
}

const json = (schema: TSchema, type = 'application/json') => ({ [type]: { schema: plain(schema) } })

function operation(name: string, r: RouteSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = {}
  for (const [status, schema] of Object.entries(r.response)) {
    responses[status] = {
      description: REASONS[Number(status)] ?? 'Answer',
      ...(status === '204' ? {} : { content: json(schema, r.produces) }),
    }
  }
  for (const status of r.errors) {
    responses[status] = {
      description: REASONS[status] ?? 'Refused',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    }
  }
  const params = [...parameters('path', r.params), ...parameters('query', r.querystring)]
  return {
    operationId: name,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: [...r.tags],
    ...(params.length ? { parameters: params } : {}),
    ...(r.body ? { requestBody: { required: true, content: json(r.body) } } : {}),
    responses,
    ...(r.public ? { security: [] } : {}),
  }
}

export function openApiDocument(
  routes: Readonly<Record<string, RouteSpec>> = ROUTES,
  version = '0.1.0',
): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {}
  for (const [name, r] of Object.entries(routes)) {
    const path = openApiPath(r.url)
    paths[path] ??= {}
    paths[path][r.method.toLowerCase()] = operation(name, r)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Skein query API',
      version,
      description:
        'Traces and logs, wound together by trace_id. Time ranges: start and end (ISO-8601 or Unix ms) or lookback (15m, 1h, 7d; default 1h). Timestamps in answers: …Ns as decimal strings of Unix nanoseconds, with ISO-8601 companions.',
    },
    paths,
    components: {
      schemas: { Error: plain(ErrorBody) },
      securitySchemes: { queryToken: { type: 'http', scheme: 'bearer', description: '--query-token' } },
    },
    security: [{ queryToken: [] }],
  }
}
