// payments: charges a card (Fastify). Faults: a few percent of charges are declined (with a reason), and
// the card processor is now and then unavailable (a 503 and an errored span).
// Run with `node --import @skein/sdk/register payments.mjs` and OTEL_SERVICE_NAME=payments.
import { randomUUID } from 'node:crypto'
import { getLogger } from '@skein/sdk'
import Fastify from 'fastify'
import { address, between, cannotStart, followParent, pick, ready, sleep } from './lib/common.mjs'

const log = getLogger()
const DECLINE_RATE = Number(process.env.PAYMENTS_DECLINE_RATE ?? 0.04)
const OUTAGE_RATE = Number(process.env.PAYMENTS_OUTAGE_RATE ?? 0.01)
const REASONS = ['insufficient_funds', 'card_expired', 'do_not_honor', 'suspected_fraud']

const app = Fastify()

app.get('/health', async () => ({ status: 'ok' }))

app.post('/charges', async (request, reply) => {
  const body = request.body
  if (!body || typeof body.orderId !== 'string' || !(body.amount > 0)) {
    log.warn({ body }, 'charge refused: malformed request')
    return reply.code(400).send({ error: 'orderId and a positive amount are required' })
  }
  const { orderId, amount, currency = 'EUR', userId } = body
  // The card processor's round trip.
  await sleep(between(20, 90))
  const roll = Math.random()
  if (roll < OUTAGE_RATE) {
    await sleep(between(200, 600))
    log.error({ orderId, processor: 'acme-pay', httpStatus: 503 }, 'card processor unavailable')
    return reply.code(503).send({ error: 'card processor unavailable' })
  }
  if (roll < OUTAGE_RATE + DECLINE_RATE) {
    const reason = pick(REASONS)
    log.warn({ orderId, userId, amount, currency, reason }, 'payment declined')
    return reply.code(402).send({ declined: true, reason })
  }
  const chargeId = `ch_${randomUUID().slice(0, 12)}`
  log.info({ orderId, userId, amount, currency, chargeId }, 'payment captured')
  return reply.code(201).send({ chargeId })
})

app.setErrorHandler((err, _request, reply) => {
  // Fastify's own 4xx (a body that is not JSON, too large...) are the caller's fault.
  if (err.statusCode >= 400 && err.statusCode < 500) {
    log.warn({ err: err.message }, 'charge refused: malformed request')
    return reply.code(err.statusCode).send({ error: err.message })
  }
  log.error({ err }, 'charge failed')
  return reply.code(500).send({ error: 'internal error' })
})

followParent()
try {
  await app.listen(address())
  ready('payments', app.server.address().port)
} catch (err) {
  cannotStart('payments', err)
}
