import { type ChildProcess, fork, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { REPO_ROOT, stored } from '../helpers/collector.js'

export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/sdk/${name}`, import.meta.url))

export interface Service {
  child: ChildProcess
  port: number
  output(): string
  /** SIGTERM, then the exit code or signal: each fixture flushes the SDK before it ends. */
  stop(): Promise<number | string | null>
}

/** Forks a fixture service from the repository root (so `--import @skein/sdk/register` resolves). */
export async function startService(
  name: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): Promise<Service> {
  const child = fork(fixture(name), [], {
    cwd: REPO_ROOT,
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  let out = ''
  child.stdout?.on('data', (d) => {
    out += d
  })
  child.stderr?.on('data', (d) => {
    out += d
  })
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>
  const [message] = (await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`${name} exited with ${code} before listening:\n${out}`)
    }),
  ])) as [{ port: number }]
  return {
    child,
    port: message.port,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      const [code, signal] = await exited
      return code ?? signal
    },
  }
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to completion; killed (SIGKILL) after `timeoutMs` if given. */
export function runCommand(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => {
      stdout += d
    })
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined
    child.once('error', reject)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Runs a fixture to completion. */
export function runFixture(name: string, env: Record<string, string>): Promise<RunResult> {
  return runCommand(process.execPath, [fixture(name)], { cwd: REPO_ROOT, env: { ...process.env, ...env } })
}

export interface ApiSpan {
  spanId: string
  parentSpanId: string
  service: string
  name: string
  kind: string
}
export interface ApiLog {
  service: string
  body: string
  traceId: string
  spanId: string
  severityText: string
}
export interface ApiTrace {
  traceId: string
  spans: ApiSpan[]
  logs: ApiLog[]
}

/**
 * The stored trace, read once the collector has stored all it acknowledged (a 2xx means written to its
 * write-ahead log; spans and logs go into storage separately, about half a second later). Call it once
 * the service has sent and been answered (it exited, or shut its SDK down). Only a 404 is retried,
 * briefly; counts are asserted on the first answer, never polled into shape.
 */
export async function getTrace(
  collector: { apiUrl: string; ingestUrl: string },
  traceId: string,
): Promise<ApiTrace> {
  await stored(collector.ingestUrl)
  const deadline = Date.now() + 3000
  for (;;) {
    const res = await fetch(`${collector.apiUrl}/api/v1/traces/${traceId}`)
    if (res.status === 200) return (await res.json()) as ApiTrace
    if (res.status !== 404 || Date.now() > deadline)
      throw new Error(`GET trace ${traceId}: ${res.status} ${await res.text()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
