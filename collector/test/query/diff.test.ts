/**
 * GET /api/v1/traces/{a}/diff/{b} on a fast and a slow checkout request (test/helpers/planted.ts) sent
 * through the real ingestion path: the slow one's retry is only in b, its provider call got slower.
 */
import { span as testSpan } from '@skein/model/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { PLANTED, type PlantedRequest, sendPlanted } from '../../../test/helpers/planted.js'
import { changeOf, diffSpans } from '../../src/query/diff.js'

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

describe('matching by path (pure)', () => {
  /** model's test span with a name. */
  const span = (spanId: string, parentSpanId: string, name: string, startMs: number, ms: number) =>
    testSpan(spanId, parentSpanId, startMs, ms, { name })

  it('tells repeated siblings apart by their index: the second retry is the one added', () => {
    const a = [span('r', '', 'root', 0, 100), span('x', 'r', 'retry', 10, 20)]
    const b = [
      span('R', '', 'root', 0, 100),
      span('X', 'R', 'retry', 10, 20),
      span('Y', 'R', 'retry', 40, 20),
    ]
    const d = diffSpans(a, b)
    expect(d.spans.map((e) => [e.path.join(' > '), e.change])).toEqual([
      ['svc: root', 'same'],
      ['svc: root > svc: retry', 'same'],
      ['svc: root > svc: retry #2', 'added'],
    ])
    expect(d.spans[2].b?.offsetMs).toBe(40)
    expect([d.onlyInA, d.onlyInB, d.slower]).toEqual([0, 1, 0])
  })

  it('a name that itself ends in " #2" is not taken for a second sibling', () => {
    const a = [span('r', '', 'root', 0, 10), span('x', 'r', 'retry #2', 1, 1)]
    const b = [span('R', '', 'root', 0, 10), span('X', 'R', 'retry', 1, 1), span('Y', 'R', 'retry', 2, 1)]
    const d = diffSpans(a, b)
    expect(d.onlyInA).toBe(1)
    expect(d.onlyInB).toBe(2)
  })

  it('calls a change slower or faster past 1 ms and 20%, the same below', () => {
    expect(changeOf(100, 125)).toBe('slower')
    expect(changeOf(100, 115)).toBe('same')
    expect(changeOf(2, 2.9)).toBe('same')
    expect(changeOf(100, 50)).toBe('faster')
    expect(changeOf(null, 5)).toBe('added')
    expect(changeOf(5, null)).toBe('removed')
  })
})
