/**
 * @skein/model: the query API declared once. Schemas (TypeBox) of every route's parameters, bodies and
 * answers, their TS types, the route table and the OpenAPI document made from it; and the pure functions
 * that the collector, the CLI and the UI share (the span tree, a log line's pattern and level, the compact
 * form of a trace, the reading of an answer's body; also at `@skein/model/tree`, `/patterns`, `/levels`,
 * `/compact` and `/answer` for a bundle that wants no schemas).
 */
export * from './alerts.js'
export * from './answer.js'
export * from './compact.js'
export * from './compare.js'
export * from './levels.js'
export * from './openapi.js'
export * from './params.js'
export * from './patterns.js'
export * from './responses.js'
export * from './routes.js'
export * from './traceql.js'
export * from './tree.js'
