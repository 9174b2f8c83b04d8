import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, fixture, run } from './helpers.js'

// The collector is tested end to end in test/sdk; here a minimal Loki push receiver stands in for it,
// so the transport's own guarantees (exact delivery, labels, behaviour on errors) are checked in isolation.
// It lives in this process and the app in a child process: the app's shutdown blocks its own thread
// while the worker pushes, so the receiver must not share that thread.
interface Push {
  streams: { stream: Record<string, string>; values: [string, string][] }[]
}

beforeAll(assertBuilt)

let server: Server | undefined
afterEach(() => server?.close())

async function receiver(status: (n: number) => number, delayMs = 0) {
  const pushes: Push[] = []
  server = createServer(async (req: IncomingMessage, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    // a slow collector keeps interval pushes in flight when shutdown() comes
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    const code = status(pushes.length)
    if (code === 204) pushes.push(JSON.parse(body))
    res.statusCode = code
    res.end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  return { pushes, url: `http://127.0.0.1:${port}` }
}

describe('the Loki transport', () => {
  it('has pushed every line, exactly once, with its trace fields when shutdown() resolves', async () => {
    const { pushes, url } = await receiver(() => 204, 400)
    const result = await run(fixture('burst.mjs'), {
      LINES: '5000',
      SKEIN_LOGS_ENDPOINT: url,
      SKEIN_LOGS: 'on',
    })
    expect(result.code, result.stderr).toBe(0)
    const { traceId, spanId } = JSON.parse(result.stdout)
    const lines = pushes.flatMap((p) =>
      p.streams.flatMap((s) => s.values.map(([, line]) => JSON.parse(line))),
    )
    expect(pushes.length).toBeGreaterThan(1) // batched, and some batches were sent before shutdown
    expect(lines).toHaveLength(5000)
    expect(new Set(lines.map((l) => l.i)).size).toBe(5000)
    expect(lines.every((l) => l.trace_id === traceId && l.span_id === spanId && l.trace_flags === '01')).toBe(
      true,
    )
    expect(pushes[0].streams[0].stream).toMatchObject({ service_name: 'burst', level: 'info' })
  })

  it('warns once and keeps going when the receiver refuses pushes', async () => {
    const { url } = await receiver(() => 503)
    const result = await run(fixture('burst.mjs'), { LINES: '2000', SKEIN_LOGS_ENDPOINT: url })
    expect(result.code).toBe(0)
    expect(result.stderr.match(/cannot push logs .*HTTP 503/g)).toHaveLength(1)
  })
})
