// gateway: the shop's public HTTP API. Looks customers up in users (gRPC) and calls orders (HTTP)
// with a timeout, one retry and a circuit breaker, so a slow orders shows up as retries in the traces
// and a stalled one as an open circuit instead of a pile of waiting requests.
// Run with `node --import @skein/sdk/register gateway.mjs` and OTEL_SERVICE_NAME=gateway.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
// Default import on purpose: the SDK's gRPC instrumentation patches the module object.
import grpc from '@grpc/grpc-js'
import { getLogger } from '@skein/sdk'
import { CircuitOpenError, createBreaker } from './lib/breaker.mjs'
import { CATALOG, listen, readJson, requiredEnv, route, send, sleep, usersService } from './lib/common.mjs'

const log = getLogger()
const ORDERS_URL = requiredEnv('ORDERS_URL')
const TIMEOUT_MS = Number(process.env.GATEWAY_ORDERS_TIMEOUT_MS ?? 1000)
const ATTEMPTS = 2

const Users = grpc.makeGenericClientConstructor(usersService, 'Users')
const users = new Users(requiredEnv('USERS_ADDR'), grpc.credentials.createInsecure())
const breaker = createBreaker({
  name: 'orders',
  failures: 5,
  cooldownMs: 5000,
  onChange: (state, detail) => {
    if (state === 'open') log.error({ ...detail, downstream: 'orders' }, 'circuit opened: orders is failing')
    else if (state === 'half-open') log.warn({ downstream: 'orders' }, 'circuit half-open: probing orders')
    else log.info({ downstream: 'orders' }, 'circuit closed: orders recovered')
  },
})

function getUser(id) {
  return new Promise((resolve, reject) => {
    users.getUser({ id }, { deadline: Date.now() + 2000 }, (err, user) => (err ? reject(err) : resolve(user)))
  })
}

/** Calls orders with a per-attempt timeout; retries once on a timeout or a connection error. */
async function callOrders(path, init = {}) {
  breaker.before()
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${ORDERS_URL}${path}`, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) })
      if (res.status >= 500) breaker.failure(`status ${res.status}`)
      else breaker.success()
      return { status: res.status, body: await res.json().catch(() => ({})) }
    } catch (err) {
      const timedOut = err.name === 'TimeoutError'
      breaker.failure(timedOut ? 'timeout' : err.message)
      if (attempt >= ATTEMPTS) throw err
      log.warn(
        { attempt, timeoutMs: TIMEOUT_MS, reason: timedOut ? 'timeout' : err.message },
        'orders call failed, retrying',
      )
      await sleep(50 + Math.random() * 100)
      breaker.before()
    }
  }
}

async function checkout(req, res) {
  const body = await readJson(req)
  if (!body || !Number.isInteger(body.userId) || !Array.isArray(body.items)) {
    return send(res, 400, { error: 'userId and items are required' })
  }
  log.info({ userId: body.userId, itemCount: body.items.length }, 'checkout started')
  let user
  try {
    user = await getUser(body.userId)
  } catch (err) {
    if (err.code === grpc.status.NOT_FOUND) {
      log.warn({ userId: body.userId }, 'checkout refused: unknown customer')
      return send(res, 404, { error: 'unknown customer' })
    }
    log.error(
      { userId: body.userId, grpcCode: err.code, err: err.details },
      'checkout failed: users unavailable',
    )
    return send(res, 503, { error: 'users unavailable' })
  }
  let result
  try {
    result = await callOrders('/orders', {
      method: 'POST',
      // One key for every attempt of this checkout: a retry must not create a second order.
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ userId: user.id, items: body.items }),
    })
  } catch (err) {
    if (err instanceof CircuitOpenError) {
      log.warn({ userId: user.id }, 'checkout rejected: circuit to orders is open')
      return send(res, 503, { error: 'orders unavailable, try again shortly' })
    }
    log.error(
      { userId: user.id, reason: err.name === 'TimeoutError' ? 'timeout' : err.message },
      'checkout failed: orders did not answer',
    )
    return send(res, 504, { error: 'orders did not answer' })
  }
  if (result.status === 201) {
    log.info(
      { userId: user.id, orderId: result.body.orderId, total: result.body.total, tier: user.tier },
      'checkout complete',
    )
  } else {
    log.warn(
      { userId: user.id, status: result.status, reason: result.body.reason ?? result.body.error },
      'checkout not completed',
    )
  }
  send(res, result.status, result.body)
}

async function getOrder(id, res) {
  try {
    const result = await callOrders(`/orders/${encodeURIComponent(id)}`)
    send(res, result.status, result.body)
  } catch (err) {
    send(res, err instanceof CircuitOpenError ? 503 : 504, { error: 'orders unavailable' })
  }
}

const server = createServer((req, res) => {
  const fail = (err) => {
    log.error({ err }, 'request failed')
    send(res, 500, { error: 'internal error' })
  }
  if (req.method === 'GET' && req.url === '/health')
    return send(res, 200, { status: 'ok', ordersCircuit: breaker.state })
  if (req.method === 'GET' && req.url === '/api/products') {
    route('GET', '/api/products')
    return send(res, 200, { products: CATALOG })
  }
  if (req.method === 'POST' && req.url === '/api/checkout') {
    route('POST', '/api/checkout')
    return checkout(req, res).catch(fail)
  }
  const m = /^\/api\/orders\/([\w-]+)$/.exec(req.url ?? '')
  if (req.method === 'GET' && m) {
    route('GET', '/api/orders/:id')
    return getOrder(m[1], res).catch(fail)
  }
  send(res, 404, { error: 'not found' })
})
listen(server, 'gateway')
