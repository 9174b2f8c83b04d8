/**
 * GET /api/v1/traces/{a}/diff/{b} on a fast and a slow checkout request (test/helpers/planted.ts) sent
 * through the real ingestion path: the slow one's retry is only in b, its provider call got slower.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { PLANTED, type PlantedRequest, sendPlanted } from '../../../test/helpers/planted.js'

let collector: RunningCollector
let requests: PlantedRequest[]

beforeAll(async () => {
  collector = await startCollector()
  requests = await sendPlanted(collector.ingestUrl, { n: 30 })
})
afterAll(async () => {
  await collector?.stop()
})

const diffUrl = (a: string, b: string) => `${collector.apiUrl}/api/v1/traces/${a}/diff/${b}`

describe('the diff of two traces', () => {
  it('names the retry only the slow one makes and the call that got slower, with the delta', async () => {
    const fast = requests.find((r) => !r.slow && !r.failing)!.trace
    const slow = requests.find((r) => r.slow)!.trace
    const { status, body } = await getJson(diffUrl(fast.traceId, slow.traceId))
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body.a).toBe(fast.traceId)
    expect(body.onlyInA).toBe(0)
    expect(body.onlyInB).toBe(1)
    const added = body.spans.filter((s: any) => s.change === 'added')
    expect(added.map((s: any) => s.path.at(-1))).toEqual([`payments: ${PLANTED.retry}`])
    expect(added[0].a).toBeNull()
    expect(added[0].deltaMs).toBeNull()
    const call = body.spans.find((s: any) => s.path.at(-1) === `payments: ${PLANTED.slowCall}`)
    expect(call.change).toBe('slower')
    expect(call.b.spanId).toBe(slow.span(PLANTED.slowCall).spanId)
    expect(call.a.spanId).toBe(fast.span(PLANTED.slowCall).spanId)
    expect(call.deltaMs).toBeCloseTo(call.b.durationMs - call.a.durationMs, 6)
    expect(call.deltaMs).toBeGreaterThan(700)
    expect(body.slower).toBe(body.spans.filter((s: any) => s.change === 'slower').length)
    // One waterfall: depth first from the root, each entry under its parent.
    expect(body.spans[0].path).toEqual([`checkout: ${PLANTED.operation}`])
    expect(body.spans[0].depth).toBe(0)
    for (const s of body.spans) expect(s.path).toHaveLength(s.depth + 1)
  })

  it('the other way round, the retry is removed and the call faster', async () => {
    const fast = requests.find((r) => !r.slow && !r.failing)!.trace
    const slow = requests.find((r) => r.slow)!.trace
    const { body } = await getJson(diffUrl(slow.traceId, fast.traceId))
    expect([body.onlyInA, body.onlyInB, body.slower]).toEqual([1, 0, 0])
    expect(body.spans.find((s: any) => s.path.at(-1) === `payments: ${PLANTED.slowCall}`).change).toBe(
      'faster',
    )
  })

  it('answers 404 for an unknown trace and 400 for an id that is not one', async () => {
    const known = requests[0].trace.traceId
    const unknown = await getJson(diffUrl(known, 'f'.repeat(32)))
    expect(unknown.status).toBe(404)
    expect(unknown.body.error.code).toBe('SKEIN_ERR_NOT_FOUND')
    const bad = await getJson(diffUrl('xyz', known))
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('a')
  })
})
