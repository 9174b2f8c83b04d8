// db: the shop's PostgreSQL. PGlite (Postgres compiled to WebAssembly, running in this process) served
// over the Postgres wire protocol by pglite-socket, so orders reaches it through the ordinary `pg`
// client, as it would a PostgreSQL server, and `npm start` needs no server it does not start itself.
// Data lives in memory for as long as the process; the schema is created at start.
//
// Infrastructure, not a service of the shop: the launcher runs it without `--import @skein/sdk/register`.
// Its work shows up as the client spans of the services that query it (`pg` is instrumented there).
//
// One connection at a time, on purpose. Measured with pglite-socket 0.2.18 and pg 8.23 (400 concurrent
// checkout-like transactions, then a read of each order by id):
// - default (maxConnections 1): a second connection is answered "Too many connections" and closed, which
//   `pg` reports as "Connection terminated unexpectedly": 359 of 400 failed with pg.Pool max 2;
// - maxConnections 4 with pg.Pool max 4: the server multiplexes statements from all connections onto the
//   one PGlite session, and it keeps explicit transactions whole, but the extended-protocol messages of
//   plain queries interleave: `portal "" does not exist` and reads that returned another connection's
//   row, in every run;
// - maxConnections 1 with pg.Pool max 1: all 400 correct, requests queue in the pool (~0.8 s in all).
// So orders uses `pg.Pool({ max: 1 })`: requests wait for the connection in the pool instead of failing.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { address, CATALOG, cannotStart, followParent, ready, STOCK_LEVEL } from './lib/common.mjs'

const SCHEMA = `
  CREATE TABLE inventory (
    sku text PRIMARY KEY,
    stock integer NOT NULL CHECK (stock >= 0)
  );
  CREATE SEQUENCE order_numbers START 1000;
  CREATE TABLE orders (
    id text PRIMARY KEY DEFAULT 'ord_' || nextval('order_numbers'),
    user_id integer NOT NULL,
    items jsonb NOT NULL,
    total numeric(10, 2) NOT NULL,
    currency text NOT NULL,
    status text NOT NULL,
    charge_id text,
    created_at timestamptz NOT NULL DEFAULT now()
  );
`

/** Where an empty database made by this version of PGlite is kept (a 4.5 MB tarball). */
function templatePath() {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'))
  return join(tmpdir(), `skein-shop-pglite-${version}-${process.getuid?.() ?? 0}.tar.gz`)
}

/**
 * A new, empty database in memory. Making one runs initdb: ~2.7 s on two idle cores, 5–8 s when they are
 * busy, which held up the whole shop's start. So the first start keeps a copy of the empty database, and
 * later ones load it (~0.5 s). Only the empty database is kept: the shop's data lives in memory.
 */
async function createDatabase() {
  const template = templatePath()
  if (existsSync(template)) {
    try {
      return await PGlite.create({ loadDataDir: new Blob([readFileSync(template)]) })
    } catch {
      rmSync(template, { force: true }) // cut short or damaged: make it again
    }
  }
  const db = await PGlite.create()
  try {
    const copy = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer())
    // Renamed into place whole: a shop starting meanwhile never reads half a file.
    const partial = `${template}.${process.pid}`
    writeFileSync(partial, copy)
    renameSync(partial, template)
  } catch {
    // No copy kept: the next start makes the database again.
  }
  return db
}

let db
let server
let stopping = false
async function stop() {
  if (stopping) return
  stopping = true
  await server?.stop().catch(() => undefined)
  await db?.close().catch(() => undefined)
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
followParent()

if (process.argv.includes('--prepare')) {
  // `npm install` (through the build) keeps the empty database ready, so that even the first `npm start`
  // on a machine skips initdb. Best effort: without the copy the shop still starts, only slower.
  try {
    await (await createDatabase()).close()
  } catch (err) {
    process.stderr.write(
      `shop db: no empty database kept (${err?.message ?? err}); the first start will make it\n`,
    )
  }
  process.exit(0)
}

try {
  // The launcher starts this process first and the services alongside it: orders connects on its first
  // query, once the load has started, which waits for this process to be ready.
  db = await createDatabase()
  await db.exec(SCHEMA)
  await db.query('INSERT INTO inventory (sku, stock) SELECT sku, $2 FROM unnest($1::text[]) AS sku', [
    Object.keys(CATALOG),
    STOCK_LEVEL,
  ])
  const { host, port } = address()
  server = new PGLiteSocketServer({ db, host, port, maxConnections: 1 })
  await server.start()
  ready('db', Number(server.getServerConn().split(':').at(-1)))
} catch (err) {
  cannotStart('db', err)
}
