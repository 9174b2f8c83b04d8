import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({}, {})
    expect(c).toMatchObject({
      host: '127.0.0.1',
      grpcPort: 4317,
      ingestPort: 4318,
      port: 8080,
      database: 'otel',
      retentionDays: 30,
    })
    expect(c.clickhouse).toBeUndefined()
    expect(c.dataDir.endsWith('.skein-data')).toBe(true)
  })

  it('lets the environment override defaults and flags override the environment', () => {
    const env = { SKEIN_PORT: '9000', SKEIN_GRPC_PORT: '5317' }
    const c = loadConfig({ port: '9100' }, env)
    expect(c.port).toBe(9100)
    expect(c.grpcPort).toBe(5317)
  })

  it('reads secrets from *_FILE variables', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const f = join(mkdtempSync(join(tmpdir(), 'skein-cfg-')), 'token')
    writeFileSync(f, 's3cret\n')
    expect(loadConfig({}, { SKEIN_QUERY_TOKEN_FILE: f }).queryToken).toBe('s3cret')
  })

  it.each([
    [{ port: '70000' }, /--port "70000".*port number/],
    [{ grpcPort: 'abc' }, /--grpc-port/],
    [{ retention: '12h' }, /--retention.*whole days/],
    [{ batchDelay: 'soon' }, /--batch-delay/],
    [{ maxBodyBytes: '12 parsecs' }, /--max-body-bytes/],
    [{ clickhouseUrl: 'ftp://x' }, /--clickhouse-url/],
    [{ clickhouseDatabase: 'otel; DROP' }, /--clickhouse-database/],
    [{ clickhouseCluster: 'c1' }, /--clickhouse-cluster needs --clickhouse-url/],
    [{ allowedHosts: 'skein.example.com:8080' }, /--allowed-hosts.*host names separated by commas/],
    [{ allowedHosts: 'https://skein.example.com' }, /--allowed-hosts/],
    [{ allowedHosts: ' , ' }, /--allowed-hosts/],
  ])('refuses %o with one line naming the flag', (flags, message) => {
    let err: any
    try {
      loadConfig(flags as any, {})
    } catch (e) {
      err = e
    }
    expect(err?.code).toBe('SKEIN_ERR_CONFIG')
    expect(err.message).toMatch(message)
    expect(err.message).not.toContain('\n')
  })

  it('reads --allowed-hosts as a list of lower-case names, and leaves it unset by default', () => {
    expect(loadConfig({}, {}).allowedHosts).toBeUndefined()
    expect(
      loadConfig({ allowedHosts: 'Skein.Example.com., .corp.example,10.0.0.5' }, {}).allowedHosts,
    ).toEqual(['skein.example.com', '.corp.example', '10.0.0.5'])
    expect(loadConfig({}, { SKEIN_ALLOWED_HOSTS: 'a.example' }).allowedHosts).toEqual(['a.example'])
  })

  it('never prints a secret in an error', () => {
    expect(() => loadConfig({ clickhouseUrl: 'http://h:8123', clickhouseCluster: 'bad name!' }, {})).toThrow(
      /cluster/,
    )
  })
})
