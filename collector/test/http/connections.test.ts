import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { connectionLimits, openFilesLimit } from '../../src/http/connections.js'

const config = (flags: Record<string, string> = {}) => loadConfig(flags, {})

describe('the connection limits (issue 18.5)', () => {
  it('default to a 30 s read timeout (as Loki), 10 s for headers, 60 s idle, 1024 connections per port', () => {
    expect(connectionLimits(config(), 1_048_576)).toEqual({
      readTimeoutMs: 30_000,
      headerTimeoutMs: 10_000,
      idleTimeoutMs: 60_000,
      maxConnections: 1024,
    })
  })

  it('fit the connections of each port under the open-files limit, leaving room for storage, and say so', () => {
    const limits = connectionLimits(config(), 256)
    // (256 - 128 kept for the engine and the rest) / (3 ports + as much again free)
    expect(limits.maxConnections).toBe(32)
    expect(limits.lowered).toBe(
      '--max-connections lowered from 1024 to 32 per port: the open-files limit (ulimit -n) is 256',
    )
    expect(connectionLimits(config({ maxConnections: '16' }), 256).maxConnections).toBe(16)
    expect(connectionLimits(config(), 100).maxConnections).toBe(8)
  })

  it('keep the configured bound where the open-files limit is not known', () => {
    expect(connectionLimits(config({ maxConnections: '5000' }), undefined).maxConnections).toBe(5000)
  })

  it('read the open-files limit of this process', () => {
    expect(openFilesLimit()).toBeGreaterThan(0)
  })

  it('refuse a header timeout longer than the read timeout, which includes the headers', () => {
    expect(() => config({ headerTimeout: '40s' })).toThrow(
      'invalid --header-timeout 40s: longer than --read-timeout 30s, which includes the headers',
    )
  })
})
