// Small helpers shared by the shop's processes: the users gRPC definition, the catalog, start-up.
// Tracing is the SDK's alone (`--import @skein/sdk/register`): the services use Express, Fastify, gRPC
// and `pg` as any app would, and the span names come from their instrumentations.

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

/**
 * Units of each item in stock at start and after every inventory sync. At the default 5 requests a
 * second about 2.5 units of an item sell a second, so it runs out only under a much heavier load.
 */
export const STOCK_LEVEL = 500

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

/** Where the launcher wants the process to listen: PORT (0 for any) on SHOP_HOST. */
export const address = () => ({
  port: Number(process.env.PORT ?? 0),
  host: process.env.SHOP_HOST ?? '127.0.0.1',
})

/**
 * Started by the launcher with an IPC channel: if the launcher dies without stopping us, stop as on
 * SIGTERM (the SDK's register hook flushes, then the process ends) instead of running orphaned.
 */
export function followParent() {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'))
}

/** Tells the launcher that `name` listens on `port` (its readiness protocol). */
export function ready(name, port) {
  process.send?.({ ready: name, port })
}

/** A process that cannot start says why on stderr and exits, for the launcher to restart it. */
export function cannotStart(name, err) {
  process.stderr.write(`${name}: cannot start: ${err?.message ?? err}\n`)
  process.exit(1)
}
