import { describe, expect, it } from 'vitest'
import { loadConfig, OPTIONS } from '../src/config.js'

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

  it('takes a secret from the environment before its *_FILE, and hides it when the file cannot be read', () => {
    const env = { SKEIN_INGEST_TOKEN: 'from-env', SKEIN_INGEST_TOKEN_FILE: '/nonexistent/token' }
    expect(loadConfig({}, env).ingestToken).toBe('from-env')
    expect(() => loadConfig({}, { SKEIN_INGEST_TOKEN_FILE: '/nonexistent/token' })).toThrow(
      /^invalid --ingest-token \(hidden\): cannot read the file: .*\(flag --ingest-token or env SKEIN_INGEST_TOKEN\)$/,
    )
    expect(() => loadConfig({}, { SKEIN_INGEST_TOKEN: '' })).toThrow(
      'invalid --ingest-token (hidden): must not be empty',
    )
  })

  it('derives --max-inflight-bytes from --memory-limit and the log directory from the data directory, unless given', () => {
    const c = loadConfig({ memoryLimit: '1GiB', dataDir: '/var/skein' }, {})
    expect(c.maxInflightBytes).toBe(64 * 1024 * 1024)
    expect(c.walDir).toBe('/var/skein/wal')
    const given = loadConfig({ memoryLimit: '1GiB', maxInflightBytes: '1MiB', walDir: '/wal' }, {})
    expect(given.maxInflightBytes).toBe(1024 * 1024)
    expect(given.walDir).toBe('/wal')
  })

  it('gathers the ClickHouse server options once a URL is given', () => {
    const env = { SKEIN_CLICKHOUSE_URL: 'http://ch:8123', SKEIN_CLICKHOUSE_USER: 'skein' }
    expect(loadConfig({}, env).clickhouse).toEqual({ url: 'http://ch:8123', user: 'skein', password: '' })
  })

  it('reads on/off options in the words people write', () => {
    expect(loadConfig({ demo: true }, {}).demo).toBe(true)
    expect(loadConfig({}, { SKEIN_DEMO: 'YES' }).demo).toBe(true)
    expect(loadConfig({}, { SKEIN_DEMO: '0' }).demo).toBe(false)
    expect(() => loadConfig({}, { SKEIN_DEMO: 'maybe' })).toThrow(/--demo "maybe": expected true or false/)
  })

  it('refuses a log level it does not know, naming those it does', () => {
    expect(() => loadConfig({ logLevel: 'loud' }, {})).toThrow(
      '--log-level "loud": expected debug, info, warn, error or silent',
    )
  })

  it('names each environment variable after its flag', () => {
    for (const o of OPTIONS) expect(o.env).toBe(`SKEIN_${o.flag.slice(2).toUpperCase().replaceAll('-', '_')}`)
  })
})
