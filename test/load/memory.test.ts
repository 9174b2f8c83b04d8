/**
 * Issue 18.3, memory that does not recover: 60 concurrent 19 MiB requests with --memory-limit 512MiB
 * peaked at 1.4 GB, then every ingest got 503 for more than 6 minutes while /health said ok. Here the same
 * at CI's scale: a burst of 4 MiB OTLP/JSON bodies against --memory-limit 256MiB. The collector reads
 * only the bodies its in-flight budget covers (the others get 503 before their body is read), stays under
 * its limit, and takes requests again within seconds of the burst; while it refuses for memory, /health
 * says so and why.
 *
 * The limit bounds the memory the process allocated (anonymous RSS: JS heap, buffers, the engine's
 * working memory), not the ≈ 215 MB of the engine's library mapped from disk, which is shared and
 * reclaimable and counted in plain RSS: so that is what is measured here, from /proc.
 */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'

const MiB = 2 ** 20
const LIMIT_MIB = 256

let c: RunningCollector | undefined
afterEach(async () => {
  await c?.stop()
  c = undefined
})

/** Resident memory the process allocated, in bytes (RssAnon of /proc/<pid>/status). */
function anonRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/RssAnon:\s+(\d+) kB/.exec(status)?.[1]) * 1024
}

/** An OTLP/JSON traces request of about `bytes`, spans shaped as an HTTP server's. */
function tracesBody(bytes: number, service: string): string {
  const ns = BigInt(Date.now()) * 1_000_000n
  const span = (k: number) => ({
    traceId: (k + 1).toString(16).padStart(32, '0'),
    spanId: (k + 1).toString(16).padStart(16, '0'),
    name: `GET /orders/${k % 50}`,
    kind: 2,
    startTimeUnixNano: `${ns + BigInt(k)}`,
    endTimeUnixNano: `${ns + BigInt(k) + 1_000_000n}`,
    attributes: [
      { key: 'http.method', value: { stringValue: 'GET' } },
      { key: 'http.route', value: { stringValue: '/orders/:id' } },
      { key: 'user.id', value: { stringValue: `user-${k}` } },
    ],
  })
  const perSpan = JSON.stringify(span(123456)).length + 1
  const spans = Array.from({ length: Math.floor(bytes / perSpan) }, (_, k) => span(k))
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans }],
      },
    ],
  })
}

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  try {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    return { status: r.status, text: await r.text() }
  } catch (e) {
    return { status: 0, text: String((e as { cause?: unknown }).cause ?? e) }
  }
}

describe('a burst of large requests', () => {
  it('stays under --memory-limit, and ingest takes requests again within seconds of it', async () => {
    // A small queue too, so that some requests are refused after their body was read (by the write-ahead
    // log, while the records before them wait for their write).
    c = await startCollector({ args: ['--memory-limit', `${LIMIT_MIB}MiB`, '--max-queue-rows', '20000'] })
    const pid = c.process.pid as number
    const before = anonRss(pid)
    let peak = before
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, anonRss(pid))
      } catch {} // the process is gone: the test has failed already
    }, 20)
    const big = tracesBody(4 * MiB, 'burst')
    const url = `${c.ingestUrl}/v1/traces`
    const burst = await Promise.all(Array.from({ length: 30 }, () => post(url, big)))
    const end = performance.now()
    const small = tracesBody(10_000, 'after')
    let recovered: number | undefined
    while (performance.now() - end < 10_000) {
      if ((await post(url, small)).status === 200) {
        recovered = performance.now() - end
        break
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    clearInterval(sampler)
    peak = Math.max(peak, anonRss(pid))
    const statuses = burst.map((r) => r.status)
    console.log(
      `memory: 30 x 4 MiB at --memory-limit ${LIMIT_MIB}MiB: ${statuses.filter((s) => s === 200).length} stored, ` +
        `${statuses.filter((s) => s === 503).length} refused; anonymous RSS ${(before / MiB).toFixed(0)} MiB before, ` +
        `peak ${(peak / MiB).toFixed(0)} MiB; 2xx again ${recovered?.toFixed(0)} ms after the burst`,
    )
    // Every request is answered: stored, or refused as retryable with a reason that is true. (How many are
    // stored depends on how fast the first ones are: 1 to 4 here.)
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true)
    for (const r of burst.filter((x) => x.status === 503)) {
      expect(r.text).not.toMatch(/0 rows held/)
      expect(r.text).toMatch(/request bodies in flight|memory|waiting to be written/)
    }
    expect(peak).toBeLessThan(LIMIT_MIB * MiB)
    expect(recovered).toBeDefined()
    expect(recovered).toBeLessThan(5_000)
    expect((await fetch(`${c.ingestUrl}/health`)).status).toBe(200)
  }, 120_000)

  it('refused for memory, /health says so and why, and so does every ingest refusal', async () => {
    // A limit below what the idle process already holds: ingest is refused from the start.
    c = await startCollector({ args: ['--memory-limit', '32MiB'] })
    const health = await fetch(`${c.ingestUrl}/health`)
    expect(health.status).toBe(503)
    const body = await health.json()
    expect(body.status).toBe('unavailable')
    expect(body.reason).toMatch(/memory: \d+ MiB in use, over 85% of --memory-limit 32 MiB/)
    const r = await fetch(`${c.ingestUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: tracesBody(1000, 'refused'),
    })
    expect(r.status).toBe(503)
    expect(r.headers.get('retry-after')).not.toBeNull()
    expect((await r.json()).error.message).toMatch(/memory: \d+ MiB in use/)
  }, 60_000)
})
