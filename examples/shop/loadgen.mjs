// The load generator: customers browsing and checking out at SHOP_RATE requests per second (default 5),
// arriving at random (exponential gaps) like real traffic. It is not instrumented on purpose, so every
// trace starts at the gateway, as it would behind a browser.
import { CATALOG, pick, sleep, USER_COUNT } from './lib/common.mjs'

const GATEWAY_URL = process.env.GATEWAY_URL
if (!GATEWAY_URL) {
  process.stderr.write('loadgen: GATEWAY_URL is not set\n')
  process.exit(2)
}
const RATE = Number(process.env.SHOP_RATE ?? 5)
if (!(RATE > 0)) {
  process.stderr.write(`loadgen: SHOP_RATE must be a positive number, got ${process.env.SHOP_RATE}\n`)
  process.exit(2)
}
const MAX_IN_FLIGHT = 100
const SKUS = Object.keys(CATALOG)
const recentOrders = []
const counts = new Map()
let inFlight = 0
let stopping = false

async function request(path, init) {
  const res = await fetch(`${GATEWAY_URL}${path}`, { ...init, signal: AbortSignal.timeout(10_000) })
  const body = await res.json().catch(() => ({}))
  counts.set(res.status, (counts.get(res.status) ?? 0) + 1)
  return { status: res.status, body }
}

async function oneVisit() {
  const roll = Math.random()
  if (roll < 0.1) return request('/api/products')
  if (roll < 0.25 && recentOrders.length > 0) return request(`/api/orders/${pick(recentOrders)}`)
  // A few customers are unknown (a stale session): ids just past the last one.
  const userId = 1 + Math.floor(Math.random() * (USER_COUNT + 2))
  const items = Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({
    sku: pick(SKUS),
    qty: 1 + Math.floor(Math.random() * 2),
  }))
  const { status, body } = await request('/api/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId, items }),
  })
  if (status === 201 && body.orderId) {
    recentOrders.push(body.orderId)
    if (recentOrders.length > 200) recentOrders.shift()
  }
}

async function waitForGateway() {
  for (let i = 0; !stopping; i++) {
    try {
      if ((await fetch(`${GATEWAY_URL}/health`)).ok) return
    } catch {}
    await sleep(Math.min(100 * 2 ** i, 2000))
  }
}

async function run() {
  await waitForGateway()
  process.stdout.write(`loadgen: ${RATE} req/s against ${GATEWAY_URL}\n`)
  while (!stopping) {
    if (inFlight < MAX_IN_FLIGHT) {
      inFlight++
      oneVisit()
        .catch((err) => counts.set(err.name, (counts.get(err.name) ?? 0) + 1))
        .finally(() => inFlight--)
    }
    await sleep(-Math.log(1 - Math.random()) * (1000 / RATE))
  }
}

const report = setInterval(() => {
  const summary = [...counts].map(([k, n]) => `${k}×${n}`).join(' ')
  process.stdout.write(`loadgen: last 30 s: ${summary || 'no answers'}\n`)
  counts.clear()
}, 30_000)
report.unref()

async function stop() {
  if (stopping) return
  stopping = true
  const deadline = Date.now() + 3000
  while (inFlight > 0 && Date.now() < deadline) await sleep(50)
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.on('disconnect', stop)
run()
