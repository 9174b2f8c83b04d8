/**
 * A ClickHouse HTTP endpoint that executes the SQL on chDB, for testing the collector's server mode.
 * Why a stand-in: no ClickHouse server can run on these machines (no Docker engine; Debian ships
 * ClickHouse 18.16, which lacks Map and DateTime64). It speaks the part of the HTTP interface that
 * @clickhouse/client uses — query text in the body or in `?query=` with data in the body, `param_*`
 * bindings, `/ping` — and can be taken down and brought back to simulate an outage.
 */

import { rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { Socket } from 'node:net'
import { join } from 'node:path'

const BINARY_INSERT = /FORMAT RowBinaryWithNamesAndTypes\s*$/i

export interface FakeClickHouse {
  url: string
  port: number
  /** Refuse every request (connections reset) until `up()`. */
  down(): void
  up(): void
  /** Run SQL directly on the engine, e.g. to count rows. */
  query<T>(sql: string): Promise<T[]>
  close(): Promise<void>
}

export async function startFakeClickHouse(dataDir: string, port = 0): Promise<FakeClickHouse> {
  const { createChdbConnection } = await import('chdb/connection')
  const conn = createChdbConnection({ path: dataDir }) as any
  let isDown = false
  const sockets = new Set<Socket>()

  async function run(query: string, params: Record<string, string>, values?: string): Promise<Buffer> {
    const r = await conn.exec({ query, query_params: params, ...(values !== undefined ? { values } : {}) })
    const chunks: Buffer[] = []
    for await (const c of r.stream) chunks.push(Buffer.from(c))
    return Buffer.concat(chunks)
  }

  /**
   * An insert whose body is binary (the collector's write-ahead log sends RowBinaryWithNamesAndTypes):
   * the chDB connection carries text bodies only, so the body goes through a file, as the embedded
   * collector's own inserts do.
   */
  let files = 0
  async function insertBinary(query: string, body: Buffer, params: Record<string, string>): Promise<Buffer> {
    const path = join(dataDir, `..`, `fake-insert-${process.pid}-${++files}.bin`)
    writeFileSync(path, body)
    try {
      return await run(
        query.replace(BINARY_INSERT, `SELECT * FROM file('${path}', 'RowBinaryWithNamesAndTypes')`),
        params,
      )
    } finally {
      rmSync(path, { force: true })
    }
  }

  const server: Server = createServer(async (req, res) => {
    if (isDown) {
      req.socket.destroy()
      return
    }
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/ping') {
      res.end('Ok.\n')
      return
    }
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const raw = Buffer.concat(chunks)
    const body = raw.toString('utf8')
    const params: Record<string, string> = {}
    for (const [k, v] of url.searchParams) if (k.startsWith('param_')) params[k.slice(6)] = v
    const urlQuery = url.searchParams.get('query')
    try {
      const out =
        urlQuery && BINARY_INSERT.test(urlQuery)
          ? await insertBinary(urlQuery, raw, params)
          : urlQuery
            ? await run(urlQuery, params, body)
            : await run(body, params)
      if (isDown) {
        req.socket.destroy()
        return
      }
      res.setHeader('X-ClickHouse-Summary', '{}')
      res.end(out)
    } catch (e) {
      // As a server words it, "(TYPE)" included: without it @clickhouse/client cannot read the code, and
      // every refusal would reach the collector as a code-less (so transient) error.
      const { code, type } = e as { code?: unknown; type?: unknown }
      const n = typeof code === 'number' || /^\d+$/.test(String(code)) ? String(code) : '1'
      res.statusCode = 500
      res.setHeader('X-ClickHouse-Exception-Code', n)
      res.end(
        `Code: ${n}. DB::Exception: ${(e as Error).message}. (${typeof type === 'string' ? type : 'UNKNOWN_EXCEPTION'}) (version fake)`,
      )
    }
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()))
  const bound = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    down() {
      isDown = true
      for (const s of sockets) s.destroy()
    },
    up() {
      isDown = false
    },
    async query<T>(sql: string) {
      const out = await run(`${sql} FORMAT JSONEachRow`, {})
      return out
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T)
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
      const { drainPending } = await import('chdb')
      await drainPending()
      await conn.close()
    },
  }
}
