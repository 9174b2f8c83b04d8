/**
 * Issue 18.5, slow and idle connections: a body that never completed kept its socket forever; 20,000 such
 * sockets exhausted the file descriptors and broke the API and alerts; idle gRPC connections stayed open
 * past 150 s; every client that went away mid-request was an ERROR with a stack (97k log lines in one
 * probe). Now each port takes a bounded number of connections (fitted under the open-files limit), a
 * request must arrive within --header-timeout / --read-timeout, an idle connection is closed after
 * --idle-timeout (HTTP keep-alive and gRPC), and a client that goes away is one debug line.
 */
import { connect, type Socket } from 'node:net'
import * as grpc from '@grpc/grpc-js'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { eventually, type RunningCollector, startCollector } from '../helpers/collector.js'

const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export'

/** A connection that sends `bytes` (if any) and then nothing; `closed` resolves with what came back. */
function hold(port: number, bytes = '') {
  const started = performance.now()
  const socket: Socket = connect(port, '127.0.0.1', () => {
    if (bytes) socket.write(bytes)
  })
  let received = ''
  socket.on('data', (d: Buffer) => {
    received += d.toString('latin1')
  })
  socket.on('error', () => undefined)
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) =>
    socket.on('close', () => resolve({ afterMs: performance.now() - started, received })),
  )
  return { socket, closed }
}

/** Headers that promise a body of 1000 bytes, and the first 10 of them. */
const SLOW_BODY =
  'POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"resource'

const spans = JSON.stringify({
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [
            {
              traceId: 'ab'.repeat(16),
              spanId: 'cd'.repeat(8),
              name: 'x',
              startTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
              endTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
            },
          ],
        },
      ],
    },
  ],
})

const within = (ms: number) => AbortSignal.timeout(ms)

describe('a collector under ulimit -n 256, flooded with connections that never finish', () => {
  let c: RunningCollector | undefined
  const flood: Socket[] = []
  afterEach(async () => {
    for (const s of flood) s.destroy()
    await c?.stop()
  })

  it('keeps answering on its API port, and takes ingest again once the flood is gone', async () => {
    // Default settings: only the open-files limit is small.
    c = await startCollector({ openFiles: 256 })
    const closed: Promise<unknown>[] = []
    for (let i = 0; i < 1000; i++) {
      const h = hold(c.ports.ingest, SLOW_BODY)
      flood.push(h.socket)
      closed.push(h.closed)
    }
    for (let i = 0; i < 300; i++) flood.push(hold(c.ports.grpc).socket)
    await new Promise((r) => setTimeout(r, 1500))

    const health = await fetch(`${c.apiUrl}/health`, { signal: within(5000) })
    expect(health.status).toBe(200)
    const services = await fetch(`${c.apiUrl}/api/v1/services`, { signal: within(5000) })
    expect(services.status).toBe(200)
    // The ingest port took only its bound: the connections past it were closed at once.
    const stillOpen = flood.slice(0, 1000).filter((s) => !s.destroyed && !s.closed).length
    expect(stillOpen).toBeLessThan(200)
    expect(c.process.exitCode).toBeNull()

    for (const s of flood) s.destroy()
    await eventually(async () => {
      const r = await fetch(`${c!.ingestUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: spans,
        signal: within(2000),
      })
      return r.status === 200
    }, 15_000)
    expect(c.output()).not.toMatch(/EMFILE|ERROR/)
  }, 90_000)
})

describe('connections held without finishing a request, at --header-timeout 1s, --read-timeout 2s, --idle-timeout 2s', () => {
  let c: RunningCollector
  beforeAll(async () => {
    c = await startCollector({
      args: [
        '--header-timeout',
        '1s',
        '--read-timeout',
        '2s',
        '--idle-timeout',
        '2s',
        '--max-connections',
        '20',
        '--log-level',
        'debug',
      ],
    })
  })
  afterAll(async () => {
    await c?.stop()
  })

  it.each([
    ['ingest', () => c.ports.ingest],
    ['API', () => c.ports.api],
    ['gRPC', () => c.ports.grpc],
  ])('closes a connection to the %s port that sends nothing, after --header-timeout', async (_port, port) => {
    const { afterMs } = await hold(port()).closed
    expect(afterMs).toBeGreaterThan(800)
    expect(afterMs).toBeLessThan(4000)
  })

  it('answers 408 to a request whose body never completes, and closes it, after --read-timeout', async () => {
    const { afterMs, received } = await hold(c.ports.ingest, SLOW_BODY).closed
    expect(received).toMatch(/^HTTP\/1\.1 408 /)
    expect(afterMs).toBeGreaterThan(1800)
    expect(afterMs).toBeLessThan(5000)
  })

  it('closes a keep-alive connection idle for --idle-timeout', async () => {
    const { closed } = hold(c.ports.ingest, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
    const { afterMs, received } = await closed
    expect(received).toMatch(/^HTTP\/1\.1 200 /)
    expect(afterMs).toBeGreaterThan(1800)
    expect(afterMs).toBeLessThan(5000)
  })

  it('closes an idle gRPC connection after --idle-timeout', async () => {
    const client = new grpc.Client(`127.0.0.1:${c.ports.grpc}`, grpc.credentials.createInsecure())
    const id = (b: Buffer) => b
    await new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(TRACES, id, id, Buffer.alloc(0), (err) => (err ? reject(err) : resolve())),
    )
    const channel = client.getChannel()
    expect(channel.getConnectivityState(false)).toBe(grpc.connectivityState.READY)
    const started = performance.now()
    await eventually(
      async () => channel.getConnectivityState(false) !== grpc.connectivityState.READY,
      8000,
      50,
    )
    expect(performance.now() - started).toBeLessThan(5000)
    client.close()
  })

  it('takes at most --max-connections at once on a port, and closes the others at once', async () => {
    const held = Array.from({ length: 50 }, () => hold(c.ports.ingest, SLOW_BODY))
    await new Promise((r) => setTimeout(r, 500))
    const open = held.filter((h) => !h.socket.destroyed && !h.socket.closed).length
    for (const h of held) h.socket.destroy()
    expect(open).toBeLessThanOrEqual(20)
    expect(open).toBeGreaterThan(0)
  })

  it('logs a client that goes away in the middle of its body as one debug line, not an ERROR with a stack', async () => {
    // On /v1/logs, which no other test here aborts on.
    const { socket, closed } = hold(c.ports.ingest, SLOW_BODY.replace('/v1/traces', '/v1/logs'))
    await new Promise((r) => setTimeout(r, 300))
    socket.destroy()
    await closed
    await new Promise((r) => setTimeout(r, 500))
    expect(c.output()).not.toMatch(/ERROR/)
    expect(c.output()).not.toMatch(/\n\s+at /)
    expect(c.output().match(/DEBUG .*POST \/v1\/logs: the client went away/g)?.length).toBe(1)
  })
})
