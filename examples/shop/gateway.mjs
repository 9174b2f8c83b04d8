// gateway: the shop's public HTTP API (Express). Looks customers up in users (gRPC) and calls orders (HTTP)
// with a timeout, one retry and a circuit breaker, so a slow orders shows up as retries in the traces
// and a stalled one as an open circuit instead of a pile of waiting requests.
// Run with `node --import @skein/sdk/register gateway.mjs` and OTEL_SERVICE_NAME=gateway.
import { randomUUID } from 'node:crypto'
// Default import on purpose: the SDK's gRPC instrumentation patches the module object.
import grpc from '@grpc/grpc-js'
import { getLogger } from '@skein/sdk'
import express from 'express'
import { CircuitOpenError, createBreaker } from './lib/breaker.mjs'
import {
  address,
  CATALOG,
  cannotStart,
  followParent,
  ready,
  requiredEnv,
  sleep,
  usersService,
} from './lib/common.mjs'

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

const app = express()
app.use(express.json())

app.get('/health', (_req, res) => {
  res.json({ status: 'ok', ordersCircuit: breaker.state })
})

app.get('/api/products', (_req, res) => {
  res.json({ products: CATALOG })
})

app.post('/api/checkout', async (req, res) => {
  const body = req.body
  if (!body || !Number.isInteger(body.userId) || !Array.isArray(body.items)) {
    return res.status(400).json({ error: 'userId and items are required' })
  }
  log.info({ userId: body.userId, itemCount: body.items.length }, 'checkout started')
  let user
  try {
    user = await getUser(body.userId)
  } catch (err) {
    if (err.code === grpc.status.NOT_FOUND) {
      log.warn({ userId: body.userId }, 'checkout refused: unknown customer')
      return res.status(404).json({ error: 'unknown customer' })
    }
    log.error(
      { userId: body.userId, grpcCode: err.code, err: err.details },
      'checkout failed: users unavailable',
    )
    return res.status(503).json({ error: 'users unavailable' })
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
      return res.status(503).json({ error: 'orders unavailable, try again shortly' })
    }
    log.error(
      { userId: user.id, reason: err.name === 'TimeoutError' ? 'timeout' : err.message },
      'checkout failed: orders did not answer',
    )
    return res.status(504).json({ error: 'orders did not answer' })
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
  res.status(result.status).json(result.body)
})

app.get('/api/orders/:id', async (req, res) => {
  try {
    const result = await callOrders(`/orders/${encodeURIComponent(req.params.id)}`)
    res.status(result.status).json(result.body)
  } catch (err) {
    res.status(err instanceof CircuitOpenError ? 503 : 504).json({ error: 'orders unavailable' })
  }
})

app.use((_req, res) => {
  res.status(404).json({ error: 'not found' })
})

// Express 5 hands a rejected handler's error here, as it does a body that is not JSON (a 400).
app.use((err, _req, res, _next) => {
  if (err.status >= 400 && err.status < 500) {
    return res.status(err.status).json({ error: err.expose ? err.message : 'bad request' })
  }
  log.error({ err }, 'request failed')
  res.status(500).json({ error: 'internal error' })
})

followParent()
const { port, host } = address()
const server = app.listen(port, host, (err) => {
  if (err) cannotStart('gateway', err)
  else ready('gateway', server.address().port)
})
