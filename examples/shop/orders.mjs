// orders: creates orders and charges them through payments. Fault: a periodic inventory sync holds
// the inventory lock for a second or a few, so requests arriving then are slow; the gateway's timeout
// gives up on some of them and retries, which is why orders honours an idempotency key.
// Run with `node --import @skein/sdk/register orders.mjs` and OTEL_SERVICE_NAME=orders.
import { createServer } from 'node:http'
import { getLogger } from '@skein/sdk'
import { between, CATALOG, listen, readJson, requiredEnv, route, send, sleep } from './lib/common.mjs'

const log = getLogger()
const PAYMENTS_URL = requiredEnv('PAYMENTS_URL')
const FIRST_SYNC_MS = Number(process.env.ORDERS_FIRST_SYNC_MS ?? 2000)
const SYNC_EVERY_MS = Number(process.env.ORDERS_SYNC_EVERY_MS ?? 30_000)
const MAX_ORDERS = 10_000

/** Orders by id, and by idempotency key (the pending promise first, then the stored response). */
const orders = new Map()
const byKey = new Map()
let nextId = 1000
let syncUntil = 0

// Why a lock and not random latency: a stall hits every request arriving in the same second, which is
// what makes a caller's timeout, retry and circuit breaker visible in the traces.
function scheduleSync(inMs, lastsMs) {
  setTimeout(() => {
    syncUntil = Date.now() + lastsMs
    log.info({ lockMs: lastsMs }, 'inventory sync started: inventory locked')
    setTimeout(() => log.info('inventory sync finished'), lastsMs).unref()
    scheduleSync(between(0.7, 1.3) * SYNC_EVERY_MS, Math.round(between(1000, 3500)))
  }, inMs).unref()
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

function remember(key, value) {
  byKey.set(key, value)
  if (byKey.size > MAX_ORDERS) byKey.delete(byKey.keys().next().value)
}

async function createOrder(body) {
  const items = Array.isArray(body?.items) ? body.items : []
  if (!Number.isInteger(body?.userId) || items.length === 0) {
    return { status: 400, body: { error: 'userId and items are required' } }
  }
  for (const item of items) {
    if (!CATALOG[item.sku] || !(item.qty > 0))
      return { status: 400, body: { error: `unknown item ${item.sku}` } }
  }
  onFirstOrder()
  await waitForInventory()
  const total = Math.round(items.reduce((sum, i) => sum + CATALOG[i.sku].price * i.qty, 0) * 100) / 100
  const orderId = `ord_${nextId++}`
  const order = { orderId, userId: body.userId, items, total, currency: 'EUR', status: 'pending' }
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
    return { status: 502, body: { orderId, error: 'payments unreachable' } }
  }
  const reply = await res.json().catch(() => ({}))
  if (res.status === 402) {
    order.status = 'payment_declined'
    log.warn(
      { orderId, userId: order.userId, total, reason: reply.reason },
      'order rejected: payment declined',
    )
    store(order)
    return { status: 402, body: { orderId, status: order.status, reason: reply.reason } }
  }
  if (!res.ok) {
    log.error({ orderId, paymentsStatus: res.status }, 'order failed: payments answered an error')
    return { status: 502, body: { orderId, error: 'payment failed' } }
  }
  order.status = 'confirmed'
  order.chargeId = reply.chargeId
  store(order)
  log.info(
    { orderId, userId: order.userId, total, itemCount: items.length, chargeId: reply.chargeId },
    'order created',
  )
  return { status: 201, body: order }
}

function store(order) {
  orders.set(order.orderId, order)
  if (orders.size > MAX_ORDERS) orders.delete(orders.keys().next().value)
}

async function postOrder(req, res) {
  const body = await readJson(req)
  const key = req.headers['idempotency-key']
  if (typeof key === 'string' && byKey.has(key)) {
    // A retry of a request we are still working on (or finished): answer it, never charge twice.
    log.info({ idempotencyKey: key }, 'duplicate order request: answering with the first attempt')
    const result = await byKey.get(key)
    return send(res, result.status, result.body)
  }
  const pending = createOrder(body)
  if (typeof key === 'string') remember(key, pending)
  const result = await pending
  send(res, result.status, result.body)
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' })
  if (req.method === 'POST' && req.url === '/orders') {
    route('POST', '/orders')
    return postOrder(req, res).catch((err) => {
      log.error({ err }, 'order handling failed')
      send(res, 500, { error: 'internal error' })
    })
  }
  const m = /^\/orders\/([\w-]+)$/.exec(req.url ?? '')
  if (req.method === 'GET' && m) {
    route('GET', '/orders/:id')
    const order = orders.get(m[1])
    if (!order) {
      log.info({ orderId: m[1] }, 'order not found')
      return send(res, 404, { error: 'no such order' })
    }
    return send(res, 200, order)
  }
  send(res, 404, { error: 'not found' })
})
listen(server, 'orders')
