// users: customer profiles over gRPC (@grpc/grpc-js, raw service definition, JSON payloads).
// Fault: a few lookups miss the cache and read from the slow primary, so `users` is sometimes slow.
// Run with `node --import @skein/sdk/register users.mjs` and OTEL_SERVICE_NAME=users.

// Default import on purpose: the SDK's gRPC instrumentation patches the module object.
import grpc from '@grpc/grpc-js'
import { getLogger } from '@skein/sdk'
import { address, between, followParent, ready, sleep, USER_COUNT, usersService } from './lib/common.mjs'

const log = getLogger()
const SLOW_RATE = Number(process.env.USERS_SLOW_RATE ?? 0.07)
const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Radia', 'Guido', 'Frances']
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Perlman']
const COUNTRIES = ['FR', 'DE', 'US', 'JP', 'BR', 'IN']

function profile(id) {
  return {
    id,
    name: `${FIRST[id % FIRST.length]} ${LAST[id % LAST.length]}`,
    email: `customer${id}@example.com`,
    tier: id % 7 === 0 ? 'gold' : 'standard',
    country: COUNTRIES[id % COUNTRIES.length],
  }
}

async function getUser(call, callback) {
  const id = Number(call.request?.id)
  if (!Number.isInteger(id) || id < 1 || id > USER_COUNT) {
    log.warn({ userId: call.request?.id }, 'user not found')
    return callback({ code: grpc.status.NOT_FOUND, details: `no user ${call.request?.id}` })
  }
  if (Math.random() < SLOW_RATE) {
    const ms = Math.round(between(300, 1200))
    await sleep(ms)
    log.warn(
      { userId: id, durationMs: ms, source: 'primary' },
      'user lookup slow: cache miss, read from primary',
    )
  } else {
    await sleep(between(2, 15))
  }
  const user = profile(id)
  log.info({ userId: id, tier: user.tier }, 'user looked up')
  callback(null, user)
}

followParent()
const server = new grpc.Server()
server.addService(usersService, { getUser })
const { host, port } = address()
server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    log.error({ err }, 'users: cannot bind')
    process.exit(1)
  }
  ready('users', bound)
})
