/**
 * Private PostgreSQL and Redis servers for tests and benchmarks: the Debian binaries, each on a free
 * 127.0.0.1 port in a fresh temp directory, torn down (process and directory) by `stop()`.
 *
 * PostgreSQL refuses to run as root, so as root initdb and pg_ctl run as the `postgres` user
 * (`runuser`), in a directory chowned to it. Trust auth, sockets in the temp dir, fsync off: the data
 * is thrown away, so durability would only cost time.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import { accessSync, chownSync, constants, readFileSync, rmSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, tempDir } from './collector.js'

const run = promisify(execFile)

export interface PrivateServer {
  port: number
  /** Connection string: `postgres://postgres@127.0.0.1:PORT/postgres`, `redis://127.0.0.1:PORT`. */
  url: string
  /** The server's temp directory (removed by `stop()`). */
  dir: string
  /** Stops the server and removes its directory. Safe to call twice. */
  stop(): Promise<void>
}

export const PG_BIN = '/usr/lib/postgresql/15/bin'

// Servers still running when the process exits (a test that failed before its stop()): stop them
// synchronously, so no server outlives the run that started it.
const atExit = new Set<() => void>()
process.once('exit', () => {
  for (const cleanup of atExit) cleanup()
})

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function missing(what: string, pkg: string): Error {
  return new Error(`${what} not found: install the Debian package \`${pkg}\` (apt-get install ${pkg})`)
}

/** Removes the directory, and forgets the exit hook; once. */
function stopper(dir: string, stopProcess: () => Promise<void>, stopNow: () => void) {
  let stopping: Promise<void> | undefined
  const cleanupNow = () => {
    stopNow()
    rmSync(dir, { recursive: true, force: true })
  }
  atExit.add(cleanupNow)
  return () => {
    stopping ??= stopProcess()
      .catch(() => stopNow())
      .finally(() => {
        atExit.delete(cleanupNow)
        rmSync(dir, { recursive: true, force: true })
      })
    return stopping
  }
}

/** Starts a private PostgreSQL 15. `binDir` overrides where its binaries are (tests of the error). */
export async function startPostgres(opts: { binDir?: string } = {}): Promise<PrivateServer> {
  const bin = opts.binDir ?? PG_BIN
  for (const tool of ['initdb', 'pg_ctl', 'postgres'])
    if (!isExecutable(join(bin, tool))) throw missing(`PostgreSQL server (${join(bin, tool)})`, 'postgresql')
  const asRoot = process.getuid?.() === 0
  let owner: { uid: number; gid: number } | undefined
  if (asRoot) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim())
      owner = { uid: id('-u'), gid: id('-g') }
    } catch {
      throw missing('the `postgres` user (PostgreSQL refuses to run as root)', 'postgresql')
    }
  }
  const pgTool = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args)

  const dir = tempDir('skein-pg-')
  const data = join(dir, 'data')
  const killNow = () => {
    // The postmaster's pid is the first line of postmaster.pid; SIGQUIT is an immediate shutdown.
    try {
      process.kill(Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGQUIT')
    } catch {
      // not running
    }
  }
  const stop = stopper(
    dir,
    async () => {
      await pgTool('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30'])
    },
    killNow,
  )
  try {
    if (owner) chownSync(dir, owner.uid, owner.gid)
    await pgTool('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ])
    // The free port may be taken before the server binds it: try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const serverOpts = `-p ${port} -h 127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`
      try {
        // -w waits until postmaster.pid says "ready", i.e. the server accepts connections.
        await pgTool('pg_ctl', [
          'start',
          '-D',
          data,
          '-w',
          '-t',
          '60',
          '-l',
          join(dir, 'log'),
          '-o',
          serverOpts,
        ])
        return { port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, stop }
      } catch (err) {
        if (attempt >= 3) {
          let log = ''
          try {
            log = readFileSync(join(dir, 'log'), 'utf8').slice(-2000)
          } catch {}
          throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log}`)
        }
      }
    }
  } catch (err) {
    await stop()
    throw err
  }
}

function onPath(name: string): string | undefined {
  for (const d of (process.env.PATH ?? '').split(delimiter)) {
    if (d && isExecutable(join(d, name))) return join(d, name)
  }
  return undefined
}

/** Starts a private Redis. `bin` overrides the `redis-server` binary (tests of the error). */
export async function startRedis(opts: { bin?: string } = {}): Promise<PrivateServer> {
  const bin = opts.bin ?? onPath('redis-server')
  if (!bin || !isExecutable(bin)) throw missing(`redis-server (${opts.bin ?? 'on PATH'})`, 'redis-server')
  const dir = tempDir('skein-redis-')
  let child: ChildProcess | undefined
  const killNow = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  const stop = stopper(
    dir,
    async () => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const timer = setTimeout(killNow, 5000)
      await exited
      clearTimeout(timer)
    },
    killNow,
  )
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const args = [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ]
      child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      const started = child
      let output = ''
      const onData = (chunk: Buffer) => {
        output += chunk
      }
      started.stdout?.on('data', onData)
      started.stderr?.on('data', onData)
      const ready = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          output += '\n(no "Ready to accept connections" within 30 s)'
          resolve(false)
        }, 30_000)
        const check = () => {
          if (output.includes('Ready to accept connections')) {
            clearTimeout(timer)
            resolve(true)
          }
        }
        started.stdout?.on('data', check)
        started.once('exit', () => resolve(false))
        started.once('error', (err) => {
          output += `\n${err.message}`
          resolve(false)
        })
      })
      // Keep draining the pipes (a full one would block the server), without keeping the text.
      started.stdout?.removeAllListeners('data').resume()
      started.stderr?.removeAllListeners('data').resume()
      if (!ready) killNow()
      if (ready) return { port, url: `redis://127.0.0.1:${port}`, dir, stop }
      if (attempt >= 3) throw new Error(`redis-server did not start:\n${output.slice(-2000)}`)
    }
  } catch (err) {
    await stop()
    throw err
  }
}
