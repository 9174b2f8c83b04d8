// orders: creates orders (Fastify), keeps them and the inventory in PostgreSQL (db.mjs, reached through
// `pg`), and charges them through payments. Fault: a periodic inventory sync holds the inventory lock for
// a second or a few, so requests arriving then are slow; the gateway's timeout gives up on some of them
// and retries, which is why orders honours an idempotency key. The sync also restocks: under a load far
// above the default one an item can run out before it, and orders answers 409 (out of stock).
// Run with `node --import @skein/sdk/register orders.mjs` and OTEL_SERVICE_NAME=orders.
import { getLogger } from '@skein/sdk'
import Fastify from 'fastify'
import pg from 'pg'
import {
  address,
  between,
  CATALOG,
  cannotStart,
  followParent,
  ready,
  requiredEnv,
  STOCK_LEVEL,
  sleep,
} from './lib/common.mjs'

const log = getLogger()
const PAYMENTS_URL = requiredEnv('PAYMENTS_URL')
const FIRST_SYNC_MS = Number(process.env.ORDERS_FIRST_SYNC_MS ?? 2000)
const SYNC_EVERY_MS = Number(process.env.ORDERS_SYNC_EVERY_MS ?? 30_000)
const MAX_REMEMBERED_KEYS = 10_000

// One connection: PGlite behind pglite-socket runs one session, and a second connection either is
// refused or gets its statements interleaved with the first one's (measured, see db.mjs). Requests
// queue for it here instead. It is never closed for idleness, so the server never sees two at once.
const pool = new pg.Pool({ connectionString: requiredEnv('DATABASE_URL'), max: 1, idleTimeoutMillis: 0 })
// An idle connection that breaks (db restarting) must not crash the service: the pool reconnects.
pool.on('error', (err) => log.warn({ err: err.message }, 'database connection lost'))

/** Idempotency keys of this process: the pending answer first, then the final one. */
const byKey = new Map()
let syncUntil = 0

// Why a lock and not random latency: a stall hits every request arriving in the same second, which is
// what makes a caller's timeout, retry and circuit breaker visible in the traces.
function scheduleSync(inMs, lastsMs) {
  setTimeout(() => {
    syncUntil = Date.now() + lastsMs
    log.info({ lockMs: lastsMs }, 'inventory sync started: inventory locked')
    setTimeout(finishSync, lastsMs).unref()
    scheduleSync(between(0.7, 1.3) * SYNC_EVERY_MS, Math.round(between(1000, 3500)))
  }, inMs).unref()
}
async function finishSync() {
  try {
    const { rowCount } = await pool.query('UPDATE inventory SET stock = $1 WHERE stock < $1', [STOCK_LEVEL])
    log.info({ restocked: rowCount }, 'inventory sync finished')
  } catch (err) {
    log.warn({ err: err.message }, 'inventory sync failed: cannot restock')
  }
}
// The first sync follows the first order (warming the inventory cache) and is long enough that a fresh
// demo shows a timeout, a retry and likely the circuit opening within seconds, not after half a minute.
let firstOrder = true
function onFirstOrder() {
  if (!firstOrder) return
  firstOrder = false
  scheduleSync(FIRST_SYNC_MS, 2500)
}

async function waitForInventory() {
  const waitMs = syncUntil - Date.now()
  if (waitMs <= 0) return
  await sleep(waitMs)
  log.warn({ waitedMs: waitMs }, 'waited for the inventory lock')
}

async function transaction(work) {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    client.release()
    return result
  } catch (err) {
    // A connection that cannot even roll back is broken: the pool drops it rather than reusing it.
    const broken = await client.query('ROLLBACK').then(
      () => undefined,
      (e) => e,
    )
    client.release(broken)
    throw err
  }
}

class OutOfStock extends Error {
  constructor(sku) {
    super(`${sku} is out of stock`)
    this.sku = sku
  }
}

/** Units per SKU: an order may list the same item twice. */
function quantities(items) {
  const qty = new Map()
  for (const { sku, qty: n } of items) qty.set(sku, (qty.get(sku) ?? 0) + n)
  return qty
}

/** Takes the items out of stock and records the order as pending, or returns the SKU that ran out. */
async function reserve(order) {
  try {
    return await transaction(async (db) => {
      for (const [sku, qty] of quantities(order.items)) {
        const taken = await db.query(
          'UPDATE inventory SET stock = stock - $1 WHERE sku = $2 AND stock >= $1',
          [qty, sku],
        )
        if (taken.rowCount === 0) throw new OutOfStock(sku)
      }
      const { rows } = await db.query(
        `INSERT INTO orders (user_id, items, total, currency, status)
         VALUES ($1, $2, $3, $4, 'pending') RETURNING id`,
        [order.userId, JSON.stringify(order.items), order.total, order.currency],
      )
      return { orderId: rows[0].id }
    })
  } catch (err) {
    if (err instanceof OutOfStock) return { outOfStock: err.sku }
    throw err
  }
}

/** Puts the items back in stock and marks the order, when it could not be paid. */
function release(order, status) {
  return transaction(async (db) => {
    for (const [sku, qty] of quantities(order.items))
      await db.query('UPDATE inventory SET stock = stock + $1 WHERE sku = $2', [qty, sku])
    await db.query('UPDATE orders SET status = $2 WHERE id = $1', [order.orderId, status])
  })
}

async function createOrder(body) {
  const items = Array.isArray(body?.items) ? body.items : []
  if (!Number.isInteger(body?.userId) || items.length === 0) {
    return { status: 400, body: { error: 'userId and items are required' } }
  }
  for (const item of items) {
    if (!Object.hasOwn(CATALOG, item?.sku) || !Number.isInteger(item.qty) || !(item.qty > 0))
      return { status: 400, body: { error: `unknown item ${item?.sku}` } }
  }
  onFirstOrder()
  await waitForInventory()
  const total = Math.round(items.reduce((sum, i) => sum + CATALOG[i.sku].price * i.qty, 0) * 100) / 100
  const order = { userId: body.userId, items, total, currency: 'EUR', status: 'pending' }
  const reserved = await reserve(order)
  if (reserved.outOfStock) {
    log.warn({ userId: order.userId, sku: reserved.outOfStock }, 'order refused: out of stock')
    return { status: 409, body: { error: 'out of stock', sku: reserved.outOfStock } }
  }
  const orderId = reserved.orderId
  order.orderId = orderId
  let res
  try {
    res = await fetch(`${PAYMENTS_URL}/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId, userId: order.userId, amount: total, currency: order.currency }),
      signal: AbortSignal.timeout(3000),
    })
  } catch (err) {
    log.error({ orderId, err: err.message }, 'order failed: payments unreachable')
    await release(order, 'payment_failed')
    return { status: 502, body: { orderId, error: 'payments unreachable' } }
  }
  const reply = await res.json().catch(() => ({}))
  if (res.status === 402) {
    log.warn(
      { orderId, userId: order.userId, total, reason: reply.reason },
      'order rejected: payment declined',
    )
    await release(order, 'payment_declined')
    return { status: 402, body: { orderId, status: 'payment_declined', reason: reply.reason } }
  }
  if (!res.ok) {
    log.error({ orderId, paymentsStatus: res.status }, 'order failed: payments answered an error')
    await release(order, 'payment_failed')
    return { status: 502, body: { orderId, error: 'payment failed' } }
  }
  await pool.query("UPDATE orders SET status = 'confirmed', charge_id = $2 WHERE id = $1", [
    orderId,
    reply.chargeId,
  ])
  log.info(
    { orderId, userId: order.userId, total, itemCount: items.length, chargeId: reply.chargeId },
    'order created',
  )
  return { status: 201, body: { ...order, status: 'confirmed', chargeId: reply.chargeId } }
}

function remember(key, value) {
  byKey.set(key, value)
  if (byKey.size > MAX_REMEMBERED_KEYS) byKey.delete(byKey.keys().next().value)
}

const app = Fastify()

app.get('/health', async () => ({ status: 'ok' }))

app.post('/orders', async (request, reply) => {
  const key = request.headers['idempotency-key']
  if (typeof key === 'string' && byKey.has(key)) {
    // A retry of a request we are still working on (or finished): answer it, never charge twice.
    log.info({ idempotencyKey: key }, 'duplicate order request: answering with the first attempt')
    const result = await byKey.get(key)
    return reply.code(result.status).send(result.body)
  }
  const pending = createOrder(request.body)
  if (typeof key === 'string') remember(key, pending)
  const result = await pending
  return reply.code(result.status).send(result.body)
})

app.get('/orders/:id', async (request, reply) => {
  const { id } = request.params
  const { rows } = await pool.query(
    'SELECT id, user_id, items, total, currency, status, charge_id FROM orders WHERE id = $1',
    [id],
  )
  if (rows.length === 0) {
    log.info({ orderId: id }, 'order not found')
    return reply.code(404).send({ error: 'no such order' })
  }
  const [o] = rows
  return {
    orderId: o.id,
    userId: o.user_id,
    items: o.items,
    total: Number(o.total),
    currency: o.currency,
    status: o.status,
    ...(o.charge_id ? { chargeId: o.charge_id } : {}),
  }
})

app.setErrorHandler((err, _request, reply) => {
  // Fastify's own 4xx (a body that is not JSON, too large...) are the caller's fault.
  if (err.statusCode >= 400 && err.statusCode < 500)
    return reply.code(err.statusCode).send({ error: err.message })
  log.error({ err }, 'order handling failed')
  return reply.code(500).send({ error: 'internal error' })
})

followParent()
try {
  await app.listen(address())
  ready('orders', app.server.address().port)
} catch (err) {
  cannotStart('orders', err)
}
