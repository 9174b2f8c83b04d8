/**
 * Start-up problems stop the collector with one line naming the problem and the flag that changes it,
 * and a non-zero exit code; a restart on the same data dir finds the data still there.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  CLI,
  eventually,
  freePort,
  getJson,
  REPO_ROOT,
  startCollector,
  tempDir,
} from '../helpers/collector.js'

function serve(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  })
  const lines = r.stderr.trim().split('\n').filter(Boolean)
  return { code: r.status, lines }
}

async function freePorts() {
  return [
    '--grpc-port',
    String(await freePort()),
    '--ingest-port',
    String(await freePort()),
    '--port',
    String(await freePort()),
  ]
}

describe('skein serve refuses to start', () => {
  it('on a bad flag value, naming the flag', () => {
    const r = serve(['--port', 'eighty'])
    expect(r.code).not.toBe(0)
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toMatch(/--port/)
  })

  it('when a port is already in use, naming the port flag', async () => {
    const blocker = createServer()
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    )
    try {
      const args = await freePorts()
      args[3] = String(port) // --ingest-port
      const r = serve([...args, '--data-dir', join(tempDir(), 'd')])
      expect(r.code).not.toBe(0)
      expect(r.lines).toHaveLength(1)
      expect(r.lines[0]).toMatch(new RegExp(`${port}.*in use.*--ingest-port`))
    } finally {
      blocker.close()
    }
  })

  it('when the data dir is not writable, naming --data-dir', async () => {
    const parent = tempDir()
    const file = join(parent, 'a-file')
    writeFileSync(file, 'x')
    const r = serve([...(await freePorts()), '--data-dir', join(file, 'data')])
    expect(r.code).not.toBe(0)
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toMatch(/--data-dir/)
  })

  it('when the ClickHouse server cannot be reached, naming --clickhouse-url', async () => {
    const dead = await freePort()
    const r = serve([...(await freePorts()), '--clickhouse-url', `http://127.0.0.1:${dead}`])
    expect(r.code).not.toBe(0)
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toMatch(/--clickhouse-url/)
  })
})

describe('a restart on the same data dir', () => {
  const dataDir = join(tempDir(), 'data')
  afterAll(() => undefined)

  it('finds the spans stored before it', async () => {
    const first = await startCollector({ dataDir })
    const traceId = 'ab'.repeat(16)
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'restart' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: 'cd'.repeat(8),
                  name: 'before restart',
                  kind: 2,
                  startTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`,
                  endTimeUnixNano: `${BigInt(Date.now() + 5) * 1_000_000n}`,
                },
              ],
            },
          ],
        },
      ],
    }
    const res = await fetch(`${first.ingestUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(200)
    expect(await first.stop({ keepData: true })).toBe(0)

    const second = await startCollector({ dataDir })
    try {
      const t = await eventually(async () => {
        const r = await getJson(`${second.apiUrl}/api/v1/traces/${traceId}`)
        return r.status === 200 ? r : undefined
      })
      expect(t.body.spans.map((s: { name: string }) => s.name)).toEqual(['before restart'])
    } finally {
      await second.stop()
    }
  })
})
