// Small helpers shared by the shop's services: JSON over HTTP, the users gRPC definition, the catalog.
// Tracing itself is the SDK's (started by `--import @skein/sdk/register`); `route` only names spans.
import { trace } from '@opentelemetry/api'

/** Raw gRPC service definition with JSON payloads, so no .proto file or loader is needed. */
const json = {
  serialize: (value) => Buffer.from(JSON.stringify(value)),
  deserialize: (buffer) => JSON.parse(buffer.toString()),
}
export const usersService = {
  getUser: {
    path: '/shop.Users/GetUser',
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
}

export const CATALOG = {
  'tea-sencha': { name: 'Sencha green tea', price: 12.5 },
  'tea-assam': { name: 'Assam black tea', price: 9.9 },
  'mug-blue': { name: 'Blue ceramic mug', price: 14 },
  'kettle-steel': { name: 'Steel kettle', price: 39 },
  'filter-paper': { name: 'Paper filters (100)', price: 4.2 },
}

/** Customers 1..USER_COUNT exist; the load generator sometimes asks for one that does not. */
export const USER_COUNT = 50

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
export const between = (min, max) => min + Math.random() * (max - min)
export const pick = (items) => items[Math.floor(Math.random() * items.length)]

export function requiredEnv(name) {
  const value = process.env[name]
  if (!value) {
    process.stderr.write(`${process.env.OTEL_SERVICE_NAME ?? 'shop'}: ${name} is not set\n`)
    process.exit(2)
  }
  return value
}

/**
 * Names the server span after the route, as a web framework's instrumentation would: plain `node:http`
 * only knows the method, and `POST` alone tells nothing in a trace list.
 */
export function route(method, path) {
  const span = trace.getActiveSpan()
  span?.updateName(`${method} ${path}`)
  span?.setAttribute('http.route', path)
}

export async function readJson(req) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  if (chunks.length === 0) return {}
  try {
    return JSON.parse(Buffer.concat(chunks).toString())
  } catch {
    return undefined
  }
}

export function send(res, status, body) {
  res.statusCode = status
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(body))
}

/**
 * Started by the launcher with an IPC channel: if the launcher dies without stopping us, stop as on
 * SIGTERM (the SDK's register hook flushes, then the process ends) instead of running orphaned.
 */
export function followParent() {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'))
}

/** Binds the service's port (PORT, chosen by the launcher) and tells the launcher it is ready. */
export function listen(server, name) {
  const port = Number(process.env.PORT ?? 0)
  const host = process.env.SHOP_HOST ?? '127.0.0.1'
  followParent()
  server.listen(port, host, () => {
    process.send?.({ ready: name, port: server.address().port })
  })
}
