/**
 * Registering a route declared in @skein/model's table: fastify gets its parameter and answer schemas, so
 *
 * - its parameters are checked before the handler runs, by params.ts's parsers compiled from the same
 *   declarations (`validatorCompiler`: a 400 SKEIN_ERR_BAD_PARAM naming the parameter), and the handler
 *   receives them typed and parsed (numbers as numbers);
 * - with the TypeBox type provider, a handler whose answer does not match its schema fails the type-check
 *   (test/query/route-types.test.ts), and test/query/answers.test.ts checks real answers against them;
 * - answers are serialized by JSON.stringify all the same (`serializerCompiler`), which was measured
 *   faster than fast-json-stringify compiled from these schemas (see below).
 *
 * Bodies (alert rules) are documented by the table but validated by their endpoint (alerts/rule.ts, 400
 * SKEIN_ERR_BAD_RULE naming the field), so fastify is not given them: handlers see `unknown`.
 */
import type { RouteSpec } from '@skein/model'
import type { FastifyContextConfig, FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify'
import type { TObject, TSchema } from 'typebox'
import { compileQuery, type Query } from './params.js'

type Part<R, K extends string> = R extends { [P in K]: infer S } ? S : undefined

/** The schemas fastify is given for route `R`, with their types kept for the type provider. */
export interface DeclaredSchema<R extends RouteSpec> {
  params: Part<R, 'params'>
  querystring: Part<R, 'querystring'>
  response: R['response']
}

/** Route options for `spec`: method, URL, schemas and config; the caller adds the handler. */
export function declared<const R extends RouteSpec>(spec: R) {
  const schema: Record<string, unknown> = { response: spec.response }
  if (spec.params) schema.params = spec.params
  if (spec.querystring) schema.querystring = spec.querystring
  return {
    method: spec.method,
    url: spec.url,
    schema: schema as unknown as DeclaredSchema<R>,
    config: (spec.public ? { public: true } : {}) as FastifyContextConfig,
  }
}

/**
 * The query port's serializer compiler: JSON.stringify for every answer. Measured (bench/serialize.ts,
 * Node 20, fast-json-stringify 7.3, two runs on 2 shared cores): on a 10,000-span trace with 2,000 log
 * lines (10.8 MiB) 30–33 ms with JSON.stringify against 210–290 ms compiled from the answer schema (7–9x
 * slower; 200–230 ms with the attribute maps as `additionalProperties`): open maps are its slow path, and
 * a trace is mostly maps. On the largest trace search (1,000 traces, no maps) the two are even (0.80 ms
 * against 0.75–0.82 ms). JSON.stringify also sends what the handler built: no field dropped or coerced.
 */
export const serializerCompiler: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data)

/**
 * The query port's validator compiler: path and query parameters through params.ts, compiled once per
 * route. Anything else passes (no route gives fastify another part, see above).
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  if (httpPart !== 'querystring' && httpPart !== 'params') return () => true
  const parse = compileQuery(schema as TObject)
  return (data: unknown) => {
    try {
      return { value: parse((data ?? {}) as Query) }
    } catch (error) {
      return { error: error as Error }
    }
  }
}
