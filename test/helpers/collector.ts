/**
 * Starts a real collector (`node collector/dist/cli.js serve`) as a child process on free loopback ports
 * with a temporary data dir, for end-to-end tests. `stop()` sends SIGTERM and waits for a clean exit.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = join(REPO_ROOT, 'collector/dist/cli.js')

export interface RunningCollector {
  grpcUrl: string
  ingestUrl: string
  apiUrl: string
  ports: { grpc: number; ingest: number; api: number }
  dataDir: string
  process: ChildProcess
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string
  /** SIGTERM, wait for exit; resolves with the exit code. Removes the data dir unless keepData. */
  stop(opts?: { keepData?: boolean }): Promise<number | null>
  /** SIGKILL, no cleanup of the data dir. */
  kill(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => resolve(port))
    })
  })
}

export function tempDir(prefix = 'skein-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export interface StartOptions {
  args?: string[]
  env?: Record<string, string>
  dataDir?: string
  /** How long to wait for the collector to say it is running. */
  timeoutMs?: number
  /** Runs it under `ulimit -n` of this many open files (through bash, which then execs node). */
  openFiles?: number
  /** Called with the child process as soon as it is spawned (to kill it before it says it runs). */
  onSpawn?: (child: ChildProcess) => void
}

/**
 * A port found free is taken by someone else before the collector binds it now and then when the machine
 * is busy (it binds after replaying its log, seconds later on a loaded machine): started again then, on
 * fresh ports, up to this many times in all.
 */
const PORT_ATTEMPTS = 3

export async function startCollector(opts: StartOptions = {}): Promise<RunningCollector> {
  const dataDir = opts.dataDir ?? join(tempDir(), 'data')
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(opts, dataDir)
    } catch (e) {
      if (attempt >= PORT_ATTEMPTS || !/ is already in use;/.test((e as Error).message)) throw e
    }
  }
}

async function startOn(opts: StartOptions, dataDir: string): Promise<RunningCollector> {
  const [grpc, ingest, api] = [await freePort(), await freePort(), await freePort()]
  const args = [
    CLI,
    'serve',
    '--host',
    '127.0.0.1',
    '--grpc-port',
    String(grpc),
    '--ingest-port',
    String(ingest),
    '--port',
    String(api),
    '--data-dir',
    dataDir,
    '--batch-delay',
    '50ms',
    ...(opts.args ?? []),
  ]
  const [command, argv] =
    opts.openFiles === undefined
      ? [process.execPath, args]
      : ['bash', ['-c', `ulimit -n ${opts.openFiles} && exec "$0" "$@"`, process.execPath, ...args]]
  const child = spawn(command, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, SKEIN_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  opts.onSpawn?.(child)
  let out = ''
  child.stdout?.on('data', (d) => {
    out += d
  })
  child.stderr?.on('data', (d) => {
    out += d
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`collector did not start in time:\n${out}`)),
      opts.timeoutMs ?? 30_000,
    )
    const check = () => {
      if (out.includes('Skein is running')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on('data', check)
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`collector exited with ${code} before starting:\n${out}`))
    })
  })
  return {
    grpcUrl: `http://127.0.0.1:${grpc}`,
    ingestUrl: `http://127.0.0.1:${ingest}`,
    apiUrl: `http://127.0.0.1:${api}`,
    ports: { grpc, ingest, api },
    dataDir,
    process: child,
    output: () => out,
    async stop(o = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
      const code = await exited
      clearTimeout(timer)
      if (!o.keepData && !opts.dataDir) rmSync(join(dataDir, '..'), { recursive: true, force: true })
      return code
    },
    async kill() {
      child.kill('SIGKILL')
      await exited
    },
  }
}

/** GET a JSON document from the API; throws with the body on a non-2xx unless `allowError`. */
export async function getJson<T = any>(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, init)
  const text = await res.text()
  let body: any
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = text
  }
  return { status: res.status, body }
}

/** Polls `fn` until it returns a truthy value or the time is up. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
      last = undefined // the error of an earlier attempt (the server not yet listening) is not the reason
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${last}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/**
 * Resolves once the collector has stored everything it acknowledged: a 2xx means the rows are in its
 * write-ahead log, and they are queryable once the log has gone into storage (`skein_wal_bytes` 0 for
 * every signal in `/metrics`). Tests that query what they just sent wait for this.
 */
export async function stored(ingestUrl: string, timeoutMs = 15_000): Promise<void> {
  await eventually(
    async () => {
      const text = await (await fetch(`${ingestUrl}/metrics`)).text()
      const bytes = [...text.matchAll(/^skein_wal_bytes\{[^}]*\} (\d+)$/gm)].map((m) => Number(m[1]))
      return bytes.length > 0 && bytes.every((b) => b === 0)
    },
    timeoutMs,
    20,
  )
}
