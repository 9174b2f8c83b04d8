import { once } from 'node:events'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, closedPort, fixture, startService } from './helpers.js'

beforeAll(assertBuilt)

let stop: (() => void) | undefined
afterEach(() => stop?.())

describe('init with the collector down', () => {
  it('leaves the service answering, shutdown() resolving twice, one warning per signal and no unhandled rejection', async () => {
    const service = await startService(fixture('down-service.mjs'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
      SKEIN_LOGS_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
      OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
    })
    stop = () => service.child.kill()
    const base = `http://127.0.0.1:${service.port}`
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => fetch(`${base}/work`).then((r) => r.text())),
      )
      expect(answers).toEqual(Array(20).fill('ok'))
      // let span exports and log pushes fail in between
      await new Promise((resolve) => setTimeout(resolve, 700))
    }
    const report = await (await fetch(`${base}/shutdown`)).json()
    const [code] = await once(service.child, 'exit')
    expect(code).toBe(0)
    expect(report.unhandled).toEqual([])
    expect(report.shutdownMs).toBeLessThan(10_000)
    const stderr = service.stderr()
    expect(stderr.match(/cannot export spans/g)).toHaveLength(1)
    expect(stderr.match(/cannot push logs/g)).toHaveLength(1)
    expect(stderr).not.toMatch(/Unhandled|uncaught/i)
  })
})
