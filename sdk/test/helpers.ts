import { type ChildProcess, fork, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/** The fixtures load `@skein/sdk` from `sdk/dist`; `npm test` builds it first (pretest). */
export function assertBuilt(): void {
  if (!existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)))) {
    throw new Error('sdk/dist is missing: run `npx tsc -b sdk` first')
  }
}

/** A port nothing listens on: bound, read, released. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a fixture to completion and collects its output. */
export async function run(
  file: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<RunResult> {
  const child = spawn(process.execPath, [...args, file], { env: { ...process.env, ...env }, stdio: 'pipe' })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => {
    stdout += d
  })
  child.stderr.on('data', (d) => {
    stderr += d
  })
  const [code] = await once(child, 'exit')
  return { code, stdout, stderr }
}

/** Forks a fixture that reports `{ port }` over IPC once it listens. */
export async function startService(
  file: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const child = fork(file, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  let stderr = ''
  child.stderr?.on('data', (d) => {
    stderr += d
  })
  child.stdout?.resume()
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`${file} exited with ${code} before listening:\n${stderr}`)
    }),
  ])) as [{ port: number }]
  return { child, port: message.port, stderr: () => stderr }
}
