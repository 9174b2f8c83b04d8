/**
 * Loki pushes in protobuf, snappy-compressed, as Promtail, Grafana Alloy and the Grafana Agent send them.
 * No such agent runs here (they are Go binaries, not npm or Debian packages), so the body is built from
 * Loki's own push.proto with protobufjs and compressed with a snappy implementation (snappyjs); the
 * collector is the real one (test/helpers/loki-proto.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'
import { linesPush } from '../helpers/loki-proto.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector({ args: ['--max-body-bytes', '1MiB'] })
})
afterAll(async () => {
  await collector?.stop()
})

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

async function push(body: Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) {
  const res = await fetch(`${collector.ingestUrl}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', ...headers },
    body,
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}

describe('a Loki protobuf push', () => {
  it('is stored like a JSON push: 204, then the lines are found by their trace id, with labels and level', async () => {
    const lines = [
      JSON.stringify({ level: 30, msg: 'cart loaded', trace_id: TRACE, span_id: '00f067aa0ba902b7' }),
      JSON.stringify({ level: 50, msg: 'payment declined', trace_id: TRACE, reason: 'card expired' }),
    ]
    const r = await push(linesPush('{service_name="checkout", env="prod"}', lines))
    expect(r.status).toBe(204)
    const logs = await eventually(async () => {
      const x = await getJson(`${collector.apiUrl}/api/v1/logs?traceId=${TRACE}`)
      return x.status === 200 && x.body.logs.length === 2 ? x.body.logs : undefined
    })
    const byBody = Object.fromEntries(logs.map((l: { body: string }) => [l.body, l]))
    expect(byBody['cart loaded']).toMatchObject({ service: 'checkout', severityText: 'INFO', traceId: TRACE })
    expect(byBody['payment declined']).toMatchObject({ severityText: 'ERROR', spanId: '' })
    expect(byBody['payment declined'].attributes).toMatchObject({ reason: 'card expired' })
    expect(byBody['cart loaded'].resource).toMatchObject({ env: 'prod', service_name: 'checkout' })
  })

  it('is accepted with Content-Encoding: snappy too', async () => {
    const marker = `enc-${Date.now()}`
    const r = await push(linesPush('{service_name="enc"}', [marker]), { 'content-encoding': 'snappy' })
    expect(r.status).toBe(204)
    await eventually(async () => {
      const x = await getJson(`${collector.apiUrl}/api/v1/logs?service=enc&q=${marker}`)
      return x.status === 200 && x.body.logs.length === 1 ? x : undefined
    })
  })

  it('gets a 400 naming snappy when the body is not a snappy block', async () => {
    const r = await push(Buffer.from([0x05, 0xff, 0xff, 0xff, 0xff]))
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('SKEIN_ERR_BAD_SNAPPY')
  })

  it('gets a 413 when the block declares more than the body limit, before anything is inflated', async () => {
    // A 6-byte block whose header claims 1 GiB.
    const r = await push(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0x00]))
    expect(r.status).toBe(413)
    expect(r.body.error.code).toBe('SKEIN_ERR_BODY_TOO_LARGE')
  })

  it('gets Loki’s 400 for labels that do not parse, and stores nothing of it', async () => {
    const marker = `badlabels-${Date.now()}`
    const r = await push(linesPush('service_name=checkout', [marker]))
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('SKEIN_ERR_BAD_LOKI')
    expect(r.body.error.message).toMatch(/error parsing labels 'service_name=checkout'/)
    const x = await getJson(`${collector.apiUrl}/api/v1/logs?q=${marker}`)
    expect(x.body.logs).toEqual([])
  })
})
