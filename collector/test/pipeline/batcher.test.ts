import { describe, expect, it } from 'vitest'
import { Batcher } from '../../src/pipeline/batcher.js'
import type { Writer } from '../../src/pipeline/writer.js'

/**
 * The batcher's own logic (batching, acknowledgement, bounds) with a writer that records batches in
 * memory and can be held or failed on demand; the real writer into chDB is covered end to end.
 */
function recordingWriter() {
  const batches: unknown[][][] = []
  let gate: Promise<void> = Promise.resolve()
  let open: () => void = () => undefined
  let failNext: Error | undefined
  const writer: Writer = {
    async insert(_t, _c, rows) {
      await gate
      if (failNext) {
        const e = failNext
        failNext = undefined
        throw e
      }
      batches.push([...rows] as unknown[][])
    },
  }
  return {
    writer,
    batches,
    hold() {
      gate = new Promise((r) => {
        open = r
      })
    },
    release: () => open(),
    failOnce(e: Error) {
      failNext = e
    },
  }
}

const options = (writer: Writer, over: Partial<ConstructorParameters<typeof Batcher>[0]> = {}) => ({
  signal: 'spans',
  table: 't',
  columns: ['a'],
  writer,
  maxRows: 3,
  delayMs: 20,
  maxQueueRows: 10,
  maxQueueBytes: 1000,
  ...over,
})

describe('Batcher', () => {
  it('acknowledges a request only after its rows were inserted', async () => {
    const w = recordingWriter()
    w.hold()
    const b = new Batcher<[number]>(options(w.writer))
    let acked = false
    const done = b.consume([[1]], 10).then(() => {
      acked = true
    })
    await new Promise((r) => setTimeout(r, 50))
    expect(acked).toBe(false)
    w.release()
    await done
    expect(acked).toBe(true)
    expect(w.batches).toEqual([[[1]]])
  })

  it('flushes on size without waiting for the timer, and on time otherwise', async () => {
    const w = recordingWriter()
    const b = new Batcher<[number]>(options(w.writer, { delayMs: 10_000 }))
    await b.consume([[1], [2], [3]], 10)
    expect(w.batches).toEqual([[[1], [2], [3]]])
    const w2 = recordingWriter()
    const b2 = new Batcher<[number]>(options(w2.writer, { delayMs: 10 }))
    await Promise.all([b2.consume([[1]], 1), b2.consume([[2]], 1)])
    expect(w2.batches).toEqual([[[1], [2]]])
  })

  it('inserts what gathered during an insert right after it (group commit), not after the delay', async () => {
    const w = recordingWriter()
    const b = new Batcher<[number]>(options(w.writer, { delayMs: 60_000, lingerMs: 1, maxRows: 1000 }))
    w.hold()
    const first = b.consume([[1]], 1)
    await new Promise((r) => setTimeout(r, 20))
    const later = [b.consume([[2]], 1), b.consume([[3]], 1)]
    w.release()
    const t0 = Date.now()
    await Promise.all([first, ...later])
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(w.batches).toEqual([[[1]], [[2], [3]]])
  })

  it('runs up to maxInFlight inserts side by side, and no more', async () => {
    let running = 0
    let most = 0
    const writer: Writer = {
      async insert() {
        running++
        most = Math.max(most, running)
        await new Promise((r) => setTimeout(r, 30))
        running--
      },
    }
    const b = new Batcher<[number]>(options(writer, { maxRows: 1, maxInFlight: 2, maxQueueRows: 100 }))
    await Promise.all(Array.from({ length: 6 }, (_, i) => b.consume([[i]], 1)))
    expect(most).toBe(2)
  })

  it('never splits one request across two inserts', async () => {
    const w = recordingWriter()
    const b = new Batcher<[number]>(options(w.writer))
    await Promise.all([b.consume([[1], [2]], 1), b.consume([[3], [4]], 1), b.consume([[5]], 1)])
    for (const batch of w.batches) {
      const flat = batch.map((r) => r[0])
      expect(flat.includes(1)).toBe(flat.includes(2))
      expect(flat.includes(3)).toBe(flat.includes(4))
    }
    expect(w.batches.flat().length).toBe(5)
  })

  it('refuses with a retryable error when the rows bound is reached, and accepts again once drained', async () => {
    const w = recordingWriter()
    w.hold()
    const b = new Batcher<[number]>(options(w.writer, { maxRows: 100, maxQueueRows: 4 }))
    const first = b.consume([[1], [2], [3]], 1)
    await expect(b.consume([[4], [5]], 1)).rejects.toMatchObject({
      code: 'SKEIN_ERR_BACKPRESSURE',
      retryable: true,
    })
    w.release()
    await first
    await expect(b.consume([[4], [5]], 1)).resolves.toBeUndefined()
  })

  it('refuses when the bytes bound is reached', async () => {
    const w = recordingWriter()
    w.hold()
    const b = new Batcher<[number]>(options(w.writer, { maxRows: 100, maxQueueBytes: 100 }))
    const first = b.consume([[1]], 80)
    await expect(b.consume([[2]], 30)).rejects.toMatchObject({ code: 'SKEIN_ERR_BACKPRESSURE' })
    w.release()
    await first
  })

  // Regression (issue 18, item 7): over the memory bound with nothing queued, the refusal said "(0 rows
  // held)", pointing at the queue bounds instead of at --memory-limit.
  it('says that memory is the reason when it refuses over the memory bound', async () => {
    const w = recordingWriter()
    const b = new Batcher<[number]>(options(w.writer, { memoryPressure: () => true }))
    const refused = b.consume([[1]], 10)
    await expect(refused).rejects.toMatchObject({ code: 'SKEIN_ERR_BACKPRESSURE', retryable: true })
    const message = await refused.catch((e: Error) => e.message)
    expect(message).toMatch(/memory/)
    expect(message).not.toMatch(/rows held/)
  })

  it('fails every request of a batch that storage refused, and keeps going', async () => {
    const w = recordingWriter()
    w.failOnce(new Error('storage down'))
    const b = new Batcher<[number]>(options(w.writer))
    await expect(b.consume([[1], [2], [3]], 1)).rejects.toThrow('storage down')
    await expect(b.consume([[4], [5], [6]], 1)).resolves.toBeUndefined()
    expect(b.depth).toEqual({ rows: 0, bytes: 0 })
  })

  it('stores the other requests of a batch that storage refused because of one request', async () => {
    const { skeinError } = await import('../../src/errors.js')
    const inserted: unknown[][][] = []
    const writer: Writer = {
      async insert(_t, _c, rows) {
        if (rows.some((r) => r[0] === 'poison'))
          throw skeinError('STORAGE_REJECTED', 'storage refused the data: bad value')
        inserted.push([...rows] as unknown[][])
      },
    }
    const b = new Batcher<[string]>(options(writer, { maxRows: 100, lingerMs: 20 }))
    const results = await Promise.allSettled([
      b.consume([['a'], ['b']], 1),
      b.consume([['poison']], 1),
      b.consume([['c']], 1),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason.code).toBe('SKEIN_ERR_STORAGE_REJECTED')
    expect(inserted.flat().map((r) => r[0])).toEqual(['a', 'b', 'c'])
  })

  it('flushes what it holds on shutdown and then refuses new rows', async () => {
    const w = recordingWriter()
    const b = new Batcher<[number]>(options(w.writer, { delayMs: 60_000, maxRows: 100 }))
    const pending = b.consume([[1]], 1)
    await b.shutdown()
    await pending
    expect(w.batches).toEqual([[[1]]])
    await expect(b.consume([[2]], 1)).rejects.toMatchObject({ code: 'SKEIN_ERR_SHUTTING_DOWN' })
    await b.shutdown()
  })
})
