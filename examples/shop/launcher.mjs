// Starts the shop: its database first (db: PGlite behind pglite-socket, plain `node`: infrastructure,
// not traced), then users (gRPC), payments, orders and gateway (HTTP), each its own process under
// `node --import @skein/sdk/register`, on free ports passed by environment; then the load generator once
// every process listens. `skein serve --demo` and the docker-compose `shop` service both run this file.
//
// Telemetry goes where OTEL_EXPORTER_OTLP_ENDPOINT (spans, gRPC) and SKEIN_LOGS_ENDPOINT (logs) point.
// SIGTERM/SIGINT, or the parent going away: stop the load first, then each service flushes its spans
// and logs (the SDK's register hook does it on SIGTERM) and exits, then the database; what outlives its
// grace period is killed.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
/** The shop's services, traced by the SDK. */
const SERVICES = ['users', 'payments', 'orders', 'gateway']
/** What they need that is not a service of the shop: started first, without the SDK, stopped last. */
const INFRA = ['db']
const children = new Map()
let stopping = false

const say = (line) => process.stderr.write(`shop: ${line}\n`)

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const ports = {}
for (const name of [...INFRA, ...SERVICES])
  ports[name] = Number(process.env[`${name.toUpperCase()}_PORT`]) || (await freePort())
const local = (name) => `127.0.0.1:${ports[name]}`
const env = {
  USERS_ADDR: local('users'),
  PAYMENTS_URL: `http://${local('payments')}`,
  ORDERS_URL: `http://${local('orders')}`,
  GATEWAY_URL: `http://${local('gateway')}`,
  // PGlite answers any user and database name; `postgres` is what a PostgreSQL server would have.
  DATABASE_URL: `postgres://postgres@${local('db')}/postgres`,
}

function start(name, args, extraEnv) {
  const child = spawn(process.execPath, args, {
    cwd: HERE,
    env: { ...process.env, ...env, ...extraEnv },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  children.set(name, child)
  child.once('exit', (code, signal) => {
    children.delete(name)
    if (stopping) return
    // A crashed service comes back, as under any supervisor; the traces show the gap.
    say(`${name} exited (${signal ?? code}); restarting in 1 s`)
    setTimeout(() => !stopping && start(name, args, extraEnv), 1000)
  })
  return child
}

function startAll() {
  const started = (name, args, extraEnv) =>
    new Promise((resolve) => {
      start(name, args, { PORT: String(ports[name]), ...extraEnv }).on(
        'message',
        (m) => m?.ready === name && resolve(),
      )
    })
  // The database first: creating it takes seconds, and nothing queries it before the load starts
  // (orders connects on its first query), so the services start meanwhile rather than after it.
  const infra = INFRA.map((name) => started(name, [join(HERE, `${name}.mjs`)]))
  const services = SERVICES.map((name) =>
    started(name, ['--import', '@skein/sdk/register', join(HERE, `${name}.mjs`)], {
      OTEL_SERVICE_NAME: name,
    }),
  )
  return [...infra, ...services]
}
const ready = startAll()
let timer
const slow = new Promise((resolve) => {
  timer = setTimeout(() => {
    say('services are slow to start; starting the load anyway')
    resolve()
  }, 20_000)
})
await Promise.race([Promise.all(ready), slow])
clearTimeout(timer)
if (!stopping) {
  start('loadgen', [join(HERE, 'loadgen.mjs')], { OTEL_SERVICE_NAME: 'loadgen' })
  process.send?.({
    ready: true,
    gateway: env.GATEWAY_URL,
    services: SERVICES,
    rate: Number(process.env.SHOP_RATE ?? 5),
  })
  say(
    `gateway on ${env.GATEWAY_URL}, load ${process.env.SHOP_RATE ?? 5} req/s; ` +
      `orders' PostgreSQL (PGlite) on ${local('db')}`,
  )
}

function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true)
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms)
    child.once('exit', () => {
      clearTimeout(t)
      resolve(true)
    })
  })
}

/** SIGTERM to each of `names` still running; SIGKILL to those that outlive `graceMs`. */
async function stopEach(names, graceMs) {
  const running = names.map((name) => children.get(name)).filter(Boolean)
  for (const child of running) child.kill('SIGTERM')
  const done = await Promise.all(running.map((child) => exited(child, graceMs)))
  for (const [i, ok] of done.entries()) if (!ok) running[i].kill('SIGKILL')
}

async function stop() {
  if (stopping) return
  stopping = true
  await stopEach(['loadgen'], 4000)
  await stopEach(SERVICES, 8000)
  // Last, so that requests still in flight in orders can finish their queries.
  await stopEach(INFRA, 2000)
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// Started by `skein serve --demo` with an IPC channel: when the collector dies, so does the shop.
process.on('disconnect', stop)
