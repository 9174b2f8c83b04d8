/**
 * A collector started with --ingest-token takes spans and logs from an SDK service that has the token
 * (SKEIN_INGEST_TOKEN) and refuses those of a service that has not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, type RunningCollector, startCollector } from '../helpers/collector.js'
import { startService } from './services.js'

const TOKEN = 'sdk-ingest-secret'
let collector: RunningCollector
beforeAll(async () => {
  collector = await startCollector({ args: ['--ingest-token', TOKEN] })
})
afterAll(async () => {
  await collector?.stop()
})

async function request(token: string | undefined, traceId: string) {
  const app = await startService(
    'register-app.mjs',
    {
      OTEL_SERVICE_NAME: 'svc-token',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl,
      SKEIN_LOGS_ENDPOINT: collector.ingestUrl,
      ...(token ? { SKEIN_INGEST_TOKEN: token } : {}),
    },
    ['--import', '@skein/sdk/register'],
  )
  const res = await fetch(`http://127.0.0.1:${app.port}/hello`, {
    headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
  })
  expect(await res.text()).toBe('hello')
  await app.stop()
}

const traceOf = async (traceId: string) =>
  fetch(`${collector.apiUrl}/api/v1/traces/${traceId}`).then(async (r) => ({
    status: r.status,
    body: await r.json(),
  }))

describe('an SDK service sending to a collector that requires an ingest token', () => {
  it('delivers its spans and logs when it has the token', async () => {
    const traceId = 'a1'.repeat(16)
    await request(TOKEN, traceId)
    // Acknowledged means in the collector's write-ahead log: queryable a moment later.
    const t = await eventually(async () => {
      const found = await traceOf(traceId)
      return found.status === 200 && found.body.spans.length > 0 && found.body.logs.length > 0 && found
    })
    expect(t.status).toBe(200)
    expect(t.body.spans).toHaveLength(1)
    expect(t.body.logs).toHaveLength(1)
  })

  it('is refused without it, and still answers its own clients', async () => {
    const traceId = 'b2'.repeat(16)
    await request(undefined, traceId)
    expect((await traceOf(traceId)).status).toBe(404)
  })
})
