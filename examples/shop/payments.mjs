// payments: charges a card. Faults: a few percent of charges are declined (with a reason), and the
// card processor is now and then unavailable (a 503 and an errored span).
// Run with `node --import @skein/sdk/register payments.mjs` and OTEL_SERVICE_NAME=payments.
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { getLogger } from '@skein/sdk'
import { between, listen, pick, readJson, route, send, sleep } from './lib/common.mjs'

const log = getLogger()
const DECLINE_RATE = Number(process.env.PAYMENTS_DECLINE_RATE ?? 0.04)
const OUTAGE_RATE = Number(process.env.PAYMENTS_OUTAGE_RATE ?? 0.01)
const REASONS = ['insufficient_funds', 'card_expired', 'do_not_honor', 'suspected_fraud']

async function charge(req, res) {
  const body = await readJson(req)
  if (!body || typeof body.orderId !== 'string' || !(body.amount > 0)) {
    log.warn({ body }, 'charge refused: malformed request')
    return send(res, 400, { error: 'orderId and a positive amount are required' })
  }
  const { orderId, amount, currency = 'EUR', userId } = body
  // The card processor's round trip.
  await sleep(between(20, 90))
  const roll = Math.random()
  if (roll < OUTAGE_RATE) {
    await sleep(between(200, 600))
    log.error({ orderId, processor: 'acme-pay', httpStatus: 503 }, 'card processor unavailable')
    return send(res, 503, { error: 'card processor unavailable' })
  }
  if (roll < OUTAGE_RATE + DECLINE_RATE) {
    const reason = pick(REASONS)
    log.warn({ orderId, userId, amount, currency, reason }, 'payment declined')
    return send(res, 402, { declined: true, reason })
  }
  const chargeId = `ch_${randomUUID().slice(0, 12)}`
  log.info({ orderId, userId, amount, currency, chargeId }, 'payment captured')
  send(res, 201, { chargeId })
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return send(res, 200, { status: 'ok' })
  if (req.method === 'POST' && req.url === '/charges') {
    route('POST', '/charges')
    return charge(req, res).catch((err) => {
      log.error({ err }, 'charge failed')
      send(res, 500, { error: 'internal error' })
    })
  }
  send(res, 404, { error: 'not found' })
})
listen(server, 'payments')
