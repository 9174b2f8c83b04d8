/**
 * The read APIs of other tools on the query port: Tempo under /tempo (tempo.ts) and Loki's query API
 * under /loki/api/v1 (loki.ts). They sit behind the same token and host checks as /api/v1 (the guard's
 * hooks cover every route of the server), and are adapters over the query modules, not a second engine.
 */
import type { FastifyInstance } from 'fastify'
import type { Db } from '../query/db.js'
import { lokiRoutes } from './loki.js'
import { tempoRoutes } from './tempo.js'

export function compatRoutes(app: FastifyInstance, db: Db): void {
  tempoRoutes(app, db)
  lokiRoutes(app, db)
}
