import { beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, closedPort, fixture, run } from './helpers.js'

beforeAll(assertBuilt)

describe('@skein/sdk package', () => {
  it('can be loaded with require() from CommonJS and traces there', async () => {
    // nothing listens: this test must not depend on (or send to) a collector on the default port
    const result = await run(fixture('require.cjs'), {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
    })
    expect(result.stderr).not.toMatch(/ERR_REQUIRE_(ESM|ASYNC_MODULE)/)
    expect(result.code).toBe(0)
    const out = JSON.parse(result.stdout)
    expect(out.exports).toEqual(
      expect.arrayContaining([
        'init',
        'getLogger',
        'getSkein',
        'traceMixin',
        'activeTraceFields',
        'resolveOptions',
      ]),
    )
    // after shutdown, getLogger() hands out the stdout-only fallback, not the stopped logger
    expect(out.sameLogger).toBe(true)
    expect(out.fields.trace_id).toMatch(/^[0-9a-f]{32}$/)
  })
})
