import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { Redis } from 'ioredis'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { startPostgres, startRedis } from './servers.js'

/** Resolves when something listens on the port, rejects (ECONNREFUSED) when nothing does. */
function connectTo(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy()
      resolve()
    })
    socket.on('error', reject)
  })
}

describe('private servers', () => {
  it('a private PostgreSQL answers a query and is gone after stop', async () => {
    const server = await startPostgres()
    const client = new pg.Client({ connectionString: server.url })
    await client.connect()
    const { rows } = await client.query('SELECT $1::int + 1 AS answer', [41])
    expect(rows[0].answer).toBe(42)
    await client.end()

    await Promise.all([server.stop(), server.stop()])
    await server.stop()
    expect(existsSync(server.dir)).toBe(false)
    await expect(connectTo(server.port)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('a private Redis answers a command and is gone after stop', async () => {
    const server = await startRedis()
    const client = new Redis(server.url)
    await client.set('k', 'v')
    expect(await client.get('k')).toBe('v')
    client.disconnect()

    await Promise.all([server.stop(), server.stop()])
    await server.stop()
    expect(existsSync(server.dir)).toBe(false)
    await expect(connectTo(server.port)).rejects.toThrow(/ECONNREFUSED/)
  })

  it('a missing server binary names the Debian package to install', async () => {
    await expect(startPostgres({ binDir: '/nonexistent' })).rejects.toThrow(/package `postgresql`/)
    await expect(startRedis({ bin: '/nonexistent/redis-server' })).rejects.toThrow(/package `redis-server`/)
  })
})
