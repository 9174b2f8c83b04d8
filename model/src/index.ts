/**
 * @skein/model: the query API declared once. Schemas (TypeBox) of every route's parameters, bodies and
 * answers, their TS types, the route table and the OpenAPI document made from it; and the pure functions
 * that both the CLI and the UI need (the span tree, also at `@skein/model/tree` for a bundle that wants
 * no schemas).
 */
export * from './alerts.js'
export * from './openapi.js'
export * from './params.js'
export * from './responses.js'
export * from './routes.js'
export * from './tree.js'
