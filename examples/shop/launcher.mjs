// Starts the shop: users (gRPC), payments, orders and gateway (HTTP), each its own process under
// `node --import @skein/sdk/register`, on free ports passed by environment; then the load generator once
// every service listens. `skein serve --demo` and the docker-compose `shop` service both run this file.
//
// Telemetry goes where OTEL_EXPORTER_OTLP_ENDPOINT (spans, gRPC) and SKEIN_LOGS_ENDPOINT (logs) point.
// SIGTERM/SIGINT, or the parent going away: stop the load first, then each service flushes its spans
// and logs (the SDK's register hook does it on SIGTERM) and exits; what outlives 8 s is killed.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
const SERVICES = ['users', 'payments', 'orders', 'gateway']
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
for (const name of SERVICES)
  ports[name] = Number(process.env[`${name.toUpperCase()}_PORT`]) || (await freePort())
const local = (name) => `127.0.0.1:${ports[name]}`
const env = {
  USERS_ADDR: local('users'),
  PAYMENTS_URL: `http://${local('payments')}`,
  ORDERS_URL: `http://${local('orders')}`,
  GATEWAY_URL: `http://${local('gateway')}`,
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

const ready = SERVICES.map(
  (name) =>
    new Promise((resolve) => {
      const child = start(name, ['--import', '@skein/sdk/register', join(HERE, `${name}.mjs`)], {
        OTEL_SERVICE_NAME: name,
        PORT: String(ports[name]),
      })
      child.on('message', (m) => m?.ready === name && resolve())
    }),
)
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
  say(`gateway on ${env.GATEWAY_URL}, load ${process.env.SHOP_RATE ?? 5} req/s`)
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

async function stop() {
  if (stopping) return
  stopping = true
  const loadgen = children.get('loadgen')
  if (loadgen) {
    loadgen.kill('SIGTERM')
    await exited(loadgen, 4000)
  }
  const services = [...children.values()]
  for (const child of services) child.kill('SIGTERM')
  const done = await Promise.all(services.map((child) => exited(child, 8000)))
  for (const [i, ok] of done.entries()) if (!ok) services[i].kill('SIGKILL')
  process.exit(0)
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
// Started by `skein serve --demo` with an IPC channel: when the collector dies, so does the shop.
process.on('disconnect', stop)
