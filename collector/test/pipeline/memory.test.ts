import { describe, expect, it } from 'vitest'
import { anonymousRss, MemoryLimiter } from '../../src/pipeline/memory.js'

const MiB = 2 ** 20

/** A limiter on a hand-driven clock and memory gauge, counting the GCs it forces. */
function limiter(over: { limit?: number; inflight?: number } = {}) {
  const state = { used: 50 * MiB, now: 0, gcs: 0, samples: 0 }
  const m = new MemoryLimiter({
    limitBytes: over.limit ?? 100 * MiB,
    inflightBytes: over.inflight ?? 10 * MiB,
    measure: () => {
      state.samples++
      return state.used
    },
    gc: () => {
      state.gcs++
    },
    now: () => state.now,
  })
  return { m, state }
}

describe('the memory limiter (issue 18.3)', () => {
  it('refuses above 85% of the limit, saying how much is in use, and accepts again once memory came down', () => {
    const { m, state } = limiter()
    expect(m.refusal()).toBeUndefined()
    state.used = 90 * MiB
    state.now += 50
    expect(m.refusal()).toMatch(
      /^memory: 90 MiB in use, over 85% of --memory-limit 100 MiB \(JS heap \d+ MiB/,
    )
    state.used = 60 * MiB
    state.now += 50
    expect(m.refusal()).toBeUndefined()
    m.shutdown()
  })

  it('forces a garbage collection when over, at most once a second: V8 collects only when it allocates', () => {
    const { m, state } = limiter()
    state.used = 90 * MiB
    for (let t = 0; t < 2000; t += 50) {
      state.now = t
      m.refusal()
    }
    expect(state.gcs).toBe(2)
    m.shutdown()
  })

  it('samples memory at most every 50 ms, however often it is asked', () => {
    const { m, state } = limiter()
    for (let i = 0; i < 100; i++) m.refusal()
    state.now += 49
    m.refusal()
    expect(state.samples).toBe(1)
    state.now += 1
    m.refusal()
    expect(state.samples).toBe(2)
    m.shutdown()
  })

  it('looks again on its own while refusing, so ingest resumes without waiting for traffic', async () => {
    let used = 90 * MiB
    const m = new MemoryLimiter({
      limitBytes: 100 * MiB,
      inflightBytes: MiB,
      measure: () => used,
      gc: () => undefined,
    })
    expect(m.refusal()).toBeDefined()
    used = 10 * MiB
    await new Promise((r) => setTimeout(r, 400))
    expect(m.usedBytes).toBe(10 * MiB)
    m.shutdown()
  })

  it('lends request-body bytes up to its budget, and past it only to a request alone in flight', () => {
    const { m } = limiter({ inflight: 10 * MiB })
    const a = m.lease()
    const b = m.lease()
    expect(a.take(6 * MiB)).toBe(true)
    expect(b.take(5 * MiB)).toBe(false)
    expect(b.take(4 * MiB)).toBe(true)
    expect(m.inflightBytes).toBe(10 * MiB)
    b.release()
    // Alone, a request may hold more than the budget: a budget smaller than one body must not refuse it forever.
    expect(a.take(20 * MiB)).toBe(true)
    expect(m.inflightBytes).toBe(26 * MiB)
    a.release()
    a.release()
    expect(m.inflightBytes).toBe(0)
    m.shutdown()
  })

  it('says why a request is refused: memory first, then the budget', () => {
    const { m, state } = limiter({ inflight: 10 * MiB })
    const held = m.lease()
    expect(m.admit(held, 8 * MiB)).toBeUndefined()
    expect(m.admit(m.lease(), 4 * MiB)).toEqual({
      cause: 'inflight',
      message:
        '8 MiB of request bodies in flight, the most --max-inflight-bytes allows is 10 MiB; retry later',
    })
    state.used = 99 * MiB
    state.now += 50
    expect(m.admit(m.lease(), 1)?.cause).toBe('memory')
    m.shutdown()
  })
})

describe('the memory it measures', () => {
  it('is the anonymous resident memory, not the libraries mapped from disk', () => {
    const anon = anonymousRss()
    expect(anon).toBeGreaterThan(0)
    expect(anon).toBeLessThan(process.memoryUsage.rss())
  })
})
