import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, type RunningCollector, startCollector, tempDir } from '../helpers/collector.js'
import { fixture, getTrace, runCommand } from './services.js'

// Issue 14, the SDK as a user gets it: `npm pack` of sdk/, installed from the tarball into app directories
// outside the repository, with nothing else from the workspace. A runtime dependency missing from
// sdk/package.json, or a file missing from the tarball, fails here and nowhere else.

/**
 * The environment of the user's shell: none of the npm variables of the `npx vitest` that runs this
 * (`npm_config_local_prefix` would point npm at the repository) but the ones saying where the cache and
 * registry are; none of the SDK's settings either.
 */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep =
    /^npm_config_(cache|registry|cafile|proxy|https_proxy|noproxy|strict_ssl|userconfig|globalconfig)$/i
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !keep.test(key)) continue
    if (/^(OTEL_|SKEIN_)/.test(key) || key === 'NODE_OPTIONS') continue
    env[key] = value
  }
  return { ...env, ...extra }
}

async function npm(args: string[], cwd: string): Promise<string> {
  const result = await runCommand('npm', [...args, '--no-audit', '--no-fund'], {
    cwd,
    env: userEnv(),
    timeoutMs: 180_000,
  })
  if (result.code !== 0) throw new Error(`npm ${args.join(' ')} failed (${result.code}):\n${result.stderr}`)
  return result.stdout
}

/** An app directory with its own package.json (so npm installs there, not in a parent) and the fixtures. */
async function installApp(dir: string, packages: string[]) {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-app', private: true }))
  for (const file of ['app.cjs', 'probe.cjs']) copyFileSync(fixture(`packaged/${file}`), join(dir, file))
  await npm(['install', ...packages, '--prefer-offline'], dir)
}

/** Runs one of the app's scripts with node and returns what it printed after `SKEIN_RESULT`. */
async function runInApp<T>(dir: string, script: string, env: Record<string, string> = {}) {
  const result = await runCommand(process.execPath, [script], {
    cwd: dir,
    env: userEnv(env),
    timeoutMs: 30_000,
  })
  const line = result.stdout.split('\n').find((l) => l.startsWith('SKEIN_RESULT '))
  if (result.code !== 0 || !line)
    throw new Error(`${script} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`)
  return { ...(JSON.parse(line.slice('SKEIN_RESULT '.length)) as T), stderr: result.stderr }
}

interface Probe {
  instrumentations: string[]
  /** Instrumentation packages in require.cache after init(). */
  loaded: string[]
  grpcLoaded: boolean
  stderr: string
}
const probe = (dir: string, env: Record<string, string> = {}) =>
  runInApp<Probe>(dir, 'probe.cjs', {
    SKEIN_LOGS: 'off',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    ...env,
  })

const packageOf = (name: string) =>
  name === 'fastify' ? '@fastify/otel' : `@opentelemetry/instrumentation-${name}`
// Frameworks, databases and messaging installed in neither app.
const ABSENT = (
  'fastify koa nestjs-core hapi connect pg mysql2 mysql mongodb mongoose ioredis redis knex tedious kafkajs ' +
  'amqplib graphql'
).split(' ')

let root: string
let withExpress: string
let withoutExpress: string

beforeAll(async () => {
  root = tempDir('skein-packaged-')
  const pack = join(root, 'pack')
  withExpress = join(root, 'with-express')
  withoutExpress = join(root, 'without-express')
  for (const dir of [pack, withExpress, withoutExpress]) mkdirSync(dir)
  const [packed] = JSON.parse(
    await npm(['pack', join(REPO_ROOT, 'sdk'), '--pack-destination', pack, '--json'], pack),
  ) as [{ filename: string; name: string }]
  expect(packed.name).toBe('@skein/sdk')
  const tarball = join(pack, packed.filename)
  // `--prefer-offline` takes what the machine's npm cache has; the registry is asked only for the rest.
  await Promise.all([installApp(withExpress, [tarball, 'express@4']), installApp(withoutExpress, [tarball])])
}, 300_000)

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true })
})

describe('an Express 4 app with the SDK installed from its tarball', () => {
  let collector: RunningCollector
  let result: { status: number; traceId: string; instrumentations: string[]; stderr: string }

  beforeAll(async () => {
    collector = await startCollector()
    result = await runInApp(withExpress, 'app.cjs', {
      SERVICE_NAME: 'packaged-users',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.ingestUrl,
      SKEIN_LOGS_ENDPOINT: collector.ingestUrl,
    })
  })

  afterAll(async () => {
    await collector?.stop()
  })

  it('serves its request and prints no SDK warning', () => {
    expect(result.stderr).not.toContain('[skein]')
    expect(result.status).toBe(200)
    expect(result.traceId).toMatch(/^[0-9a-f]{32}$/)
  })

  it('sends the server span over OTLP/HTTP, named after the Express route, with http.route', async () => {
    const trace = await getTrace(collector, result.traceId)
    const spans = trace.spans as unknown as {
      service: string
      kind: string
      name: string
      attributes: Record<string, string>
    }[]
    const servers = spans.filter((s) => s.kind === 'Server')
    expect(servers.map((s) => [s.service, s.name])).toEqual([['packaged-users', 'GET /users/:id']])
    expect(servers[0]?.attributes['http.route']).toBe('/users/:id')
  })

  it('ships the line logged inside the request with its trace id', async () => {
    const trace = await getTrace(collector, result.traceId)
    const lines = trace.logs.filter((l) => l.body === 'user looked up')
    expect(lines).toHaveLength(1)
    expect(lines[0]?.traceId).toBe(result.traceId)
    expect(trace.spans.map((s) => s.spanId)).toContain(lines[0]?.spanId)
  })

  it('runs the http and express instrumentations and none of what the app has not installed', () => {
    expect(result.instrumentations).toEqual(expect.arrayContaining(['http', 'express']))
    for (const name of ABSENT) expect(result.instrumentations).not.toContain(name)
  })
})

describe('absent or disabled modules cost nothing', () => {
  it('an app without Express neither runs nor loads the Express instrumentation, nor any of the absent ones', async () => {
    const { instrumentations, loaded } = await probe(withoutExpress)
    expect(instrumentations).toContain('http')
    expect(instrumentations).not.toContain('express')
    expect(loaded).not.toContain('@opentelemetry/instrumentation-express')
    for (const name of ABSENT) expect(loaded).not.toContain(packageOf(name))
    // every instrumentation package loaded is one that runs
    expect(loaded).toEqual(instrumentations.map(packageOf).sort())
  })

  it('with Express installed, the Express instrumentation is loaded and runs', async () => {
    const { instrumentations, loaded } = await probe(withExpress)
    expect(instrumentations).toContain('express')
    expect(loaded).toContain('@opentelemetry/instrumentation-express')
    expect(loaded).toEqual(instrumentations.map(packageOf).sort())
  })

  it('OTEL_NODE_ENABLED_INSTRUMENTATIONS=http runs and loads http only', async () => {
    const { instrumentations, loaded } = await probe(withExpress, {
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http',
    })
    expect(instrumentations).toEqual(['http'])
    expect(loaded).toEqual(['@opentelemetry/instrumentation-http'])
  })

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=express removes Express and does not load its instrumentation', async () => {
    const { instrumentations, loaded } = await probe(withExpress, {
      OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express',
    })
    expect(instrumentations).toContain('http')
    expect(instrumentations).not.toContain('express')
    expect(loaded).not.toContain('@opentelemetry/instrumentation-express')
  })

  it('fs, dns and net do not run by default, but OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,fs runs fs', async () => {
    const byDefault = await probe(withExpress)
    for (const name of ['fs', 'dns', 'net']) {
      expect(byDefault.instrumentations).not.toContain(name)
      expect(byDefault.loaded).not.toContain(packageOf(name))
    }
    const asked = await probe(withExpress, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,fs' })
    expect(asked.instrumentations).toEqual(['http', 'fs'])
    expect(asked.loaded).toEqual(['@opentelemetry/instrumentation-fs', '@opentelemetry/instrumentation-http'])
  })

  // Regression: @grpc/grpc-js, a dependency of the SDK itself, is hoisted into the app's node_modules,
  // and the SDK took it for the app's and required it (65 modules) in every app, even one that sends
  // spans over HTTP and never uses gRPC. The grpc instrumentation itself stays registered (a library of
  // the app may still load grpc-js), but grpc-js is loaded only by whoever uses it.
  it('never loads @grpc/grpc-js in an app that sends spans over HTTP and does not use gRPC', async () => {
    const { instrumentations, grpcLoaded } = await probe(withoutExpress)
    expect(instrumentations).toContain('grpc')
    expect(grpcLoaded).toBe(false)
  })
})
