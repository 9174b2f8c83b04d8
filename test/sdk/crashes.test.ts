import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector, stored } from '../helpers/collector.js'
import { getTrace, runFixture } from './services.js'

// Crashes and console lines of a real process, sent to a real collector and read back through its API.
let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
})

afterAll(async () => {
  await collector?.stop()
})

interface Log {
  body: string
  severityText: string
  traceId: string
  spanId: string
  attributes: Record<string, string>
}

async function run(mode: string, env: Record<string, string> = {}) {
  const service = `crashy-${mode}-${Object.keys(env).length}`
  const result = await runFixture('crashy.mjs', {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl,
    SKEIN_LOGS_ENDPOINT: collector.ingestUrl,
    SERVICE_NAME: service,
    CRASH_MODE: mode,
    ...env,
  })
  const traceId = /^trace ([0-9a-f]{32})$/m.exec(result.stdout)?.[1] ?? ''
  await stored(collector.ingestUrl) // the process exited: all it sent was answered
  const res = await fetch(`${collector.apiUrl}/api/v1/logs?service=${service}&lookback=15m&limit=50`)
  const { logs } = (await res.json()) as { logs: Log[] }
  return { ...result, traceId, logs }
}

describe('a process that crashes with the SDK', () => {
  it('dies of an unhandled rejection as Node would, after logging it with its stack and the trace it happened in', async () => {
    const { code, stderr, logs, traceId } = await run('rejection')
    expect(code).toBe(1)
    expect(stderr).toContain('Error: failed in rejection mode')
    const fatal = logs.filter((l) => l.severityText.toLowerCase() === 'fatal')
    expect(fatal.map((l) => l.body)).toEqual(['unhandled rejection: failed in rejection mode'])
    expect(JSON.stringify(fatal[0]?.attributes)).toMatch(/crashy\.mjs:\d+/)
    expect(fatal[0]?.traceId).toBe(traceId)
  })

  it('ships the console line written inside the span, with its trace id, and still prints it', async () => {
    const { stdout, logs, traceId } = await run('exception')
    expect(stdout).toContain('console line from exception\n')
    const line = logs.find((l) => l.body === 'console line from exception')
    expect(line?.traceId).toBe(traceId)
    expect(line?.attributes['log.iostream']).toBe('stdout')
    const trace = await getTrace(collector, traceId)
    expect(trace.spans.map((s) => s.name)).toEqual(['work'])
  })

  it('only logs, at error, when the app handles uncaught exceptions itself: the app lives on', async () => {
    const { code, stdout, logs, traceId } = await run('handled')
    expect(stdout).toContain('app handled: failed in handled mode')
    expect(stdout).toContain('still alive')
    expect(code).toBe(0)
    const errors = logs.filter((l) => l.body.startsWith('uncaught exception'))
    expect(errors.map((l) => [l.severityText.toLowerCase(), l.traceId])).toEqual([['error', traceId]])
  })

  it('leaves crashes and the console alone with SKEIN_CRASHES=off and SKEIN_CONSOLE=off', async () => {
    const { code, stdout, stderr, logs } = await run('exception', {
      SKEIN_CRASHES: 'off',
      SKEIN_CONSOLE: 'off',
    })
    expect(code).toBe(1)
    expect(stdout).toContain('console line from exception\n')
    expect(stderr).toContain('Error: failed in exception mode')
    expect(logs).toEqual([])
  })
})
