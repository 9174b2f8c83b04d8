/**
 * Which OpenTelemetry instrumentations the SDK runs, and with what settings.
 *
 * The catalogue below is the one table of them: the official contrib packages that the
 * anchors' standard setup (`@opentelemetry/auto-instrumentations-node`) bundles, for what Node
 * services commonly use, at the versions pinned in package.json. An instrumentation is loaded only
 * when the application can resolve the module it instruments: an app without Express never loads
 * the Express instrumentation (nor pays for its `require`).
 *
 * Switches, the same as auto-instrumentations-node's:
 * - `OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,express,pg`: only these (names without the
 *   `@opentelemetry/instrumentation-` prefix);
 * - `OTEL_NODE_DISABLED_INSTRUMENTATIONS=fs,pg`: all but these (applied after the enabled list);
 * - the `instrumentations` option: `{ pg: { enhancedDatabaseReporting: true }, fs: { enabled: true } }`,
 *   keyed by the short name or the package name; `enabled: false` turns one off.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation'

/** Settings of one instrumentation: its own config, plus `enabled`. */
export type InstrumentationSettings = InstrumentationConfig & Record<string, unknown>

/** The `instrumentations` option: settings by short name (`pg`) or package name. */
export type InstrumentationSettingsMap = Record<string, InstrumentationSettings>

export interface CatalogEntry {
  /** Short name, as in `OTEL_NODE_ENABLED_INSTRUMENTATIONS`. */
  readonly name: string
  /** The npm package of the instrumentation. */
  readonly pkg: string
  /** Its exported class. */
  readonly exportName: string
  /** Modules that make it worth loading: any one resolvable from the app. Empty: always (builtins). */
  readonly modules: readonly string[]
  /** Off unless asked for: the anchors turn these off as noise (a span per file read or lookup). */
  readonly noisy?: boolean
  /** Skein's defaults, under the user's settings. */
  readonly defaults?: InstrumentationSettings
}

export const CATALOG: readonly CatalogEntry[] = [
  // Transports: incoming and outgoing HTTP(S), fetch, gRPC.
  {
    name: 'http',
    pkg: '@opentelemetry/instrumentation-http',
    exportName: 'HttpInstrumentation',
    modules: [],
  },
  {
    name: 'undici',
    pkg: '@opentelemetry/instrumentation-undici',
    exportName: 'UndiciInstrumentation',
    modules: [],
  },
  {
    name: 'grpc',
    pkg: '@opentelemetry/instrumentation-grpc',
    exportName: 'GrpcInstrumentation',
    modules: ['@grpc/grpc-js'],
  },
  // Web frameworks: they give the server span its route (`GET /orders/:id`, `http.route`).
  {
    name: 'express',
    pkg: '@opentelemetry/instrumentation-express',
    exportName: 'ExpressInstrumentation',
    modules: ['express'],
  },
  {
    // Fastify's own instrumentation (the contrib one is deprecated). Registering on initialization
    // instruments every Fastify instance, CommonJS or ESM, through Fastify's diagnostics channel.
    name: 'fastify',
    pkg: '@fastify/otel',
    exportName: 'FastifyOtelInstrumentation',
    modules: ['fastify'],
    defaults: { registerOnInitialization: true },
  },
  {
    name: 'koa',
    pkg: '@opentelemetry/instrumentation-koa',
    exportName: 'KoaInstrumentation',
    modules: ['koa'],
  },
  {
    name: 'nestjs-core',
    pkg: '@opentelemetry/instrumentation-nestjs-core',
    exportName: 'NestInstrumentation',
    modules: ['@nestjs/core'],
  },
  {
    name: 'hapi',
    pkg: '@opentelemetry/instrumentation-hapi',
    exportName: 'HapiInstrumentation',
    modules: ['@hapi/hapi'],
  },
  {
    name: 'connect',
    pkg: '@opentelemetry/instrumentation-connect',
    exportName: 'ConnectInstrumentation',
    modules: ['connect'],
  },
  // Databases and caches.
  { name: 'pg', pkg: '@opentelemetry/instrumentation-pg', exportName: 'PgInstrumentation', modules: ['pg'] },
  {
    // Its default would format the values into the statement; masking keeps them out.
    name: 'mysql2',
    pkg: '@opentelemetry/instrumentation-mysql2',
    exportName: 'MySQL2Instrumentation',
    modules: ['mysql2'],
    defaults: { maskStatement: true },
  },
  {
    name: 'mysql',
    pkg: '@opentelemetry/instrumentation-mysql',
    exportName: 'MySQLInstrumentation',
    modules: ['mysql'],
  },
  {
    name: 'mongodb',
    pkg: '@opentelemetry/instrumentation-mongodb',
    exportName: 'MongoDBInstrumentation',
    modules: ['mongodb'],
  },
  {
    name: 'mongoose',
    pkg: '@opentelemetry/instrumentation-mongoose',
    exportName: 'MongooseInstrumentation',
    modules: ['mongoose'],
  },
  {
    name: 'ioredis',
    pkg: '@opentelemetry/instrumentation-ioredis',
    exportName: 'IORedisInstrumentation',
    modules: ['ioredis'],
  },
  {
    name: 'redis',
    pkg: '@opentelemetry/instrumentation-redis',
    exportName: 'RedisInstrumentation',
    modules: ['redis', '@redis/client'],
  },
  {
    name: 'knex',
    pkg: '@opentelemetry/instrumentation-knex',
    exportName: 'KnexInstrumentation',
    modules: ['knex'],
  },
  {
    name: 'tedious',
    pkg: '@opentelemetry/instrumentation-tedious',
    exportName: 'TediousInstrumentation',
    modules: ['tedious'],
  },
  // Messaging and GraphQL.
  {
    name: 'kafkajs',
    pkg: '@opentelemetry/instrumentation-kafkajs',
    exportName: 'KafkaJsInstrumentation',
    modules: ['kafkajs'],
  },
  {
    name: 'amqplib',
    pkg: '@opentelemetry/instrumentation-amqplib',
    exportName: 'AmqplibInstrumentation',
    modules: ['amqplib'],
  },
  {
    name: 'graphql',
    pkg: '@opentelemetry/instrumentation-graphql',
    exportName: 'GraphQLInstrumentation',
    modules: ['graphql'],
  },
  // Noise: off unless enabled by name.
  {
    name: 'fs',
    pkg: '@opentelemetry/instrumentation-fs',
    exportName: 'FsInstrumentation',
    modules: [],
    noisy: true,
  },
  {
    name: 'dns',
    pkg: '@opentelemetry/instrumentation-dns',
    exportName: 'DnsInstrumentation',
    modules: [],
    noisy: true,
  },
  {
    name: 'net',
    pkg: '@opentelemetry/instrumentation-net',
    exportName: 'NetInstrumentation',
    modules: [],
    noisy: true,
  },
]

const PREFIX = '@opentelemetry/instrumentation-'
const byName = new Map(CATALOG.map((entry) => [entry.name, entry]))

/** `@opentelemetry/instrumentation-pg` → `pg`; a short name stays as it is. */
export function shortName(name: string): string {
  const trimmed = name.trim()
  if (trimmed === '@fastify/otel') return 'fastify'
  return trimmed.startsWith(PREFIX) ? trimmed.slice(PREFIX.length) : trimmed
}

function nameList(raw: string | undefined): Set<string> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  return new Set(raw.split(',').map(shortName).filter(Boolean))
}

/** What the SDK will do with one catalogue entry, before looking at what the app has installed. */
export interface InstrumentationPlan {
  readonly entry: CatalogEntry
  readonly config: InstrumentationSettings
}

type Env = Record<string, string | undefined>

/**
 * Decides which instrumentations are wanted and with what config. Pure: reads only its arguments.
 * Unknown names in the environment or the option become warnings, never errors.
 */
export function planInstrumentations(
  settings: InstrumentationSettingsMap,
  env: Env,
  warnings: string[],
): InstrumentationPlan[] {
  const enabledList = nameList(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS)
  const disabledList = nameList(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS)
  for (const [variable, list] of [
    ['OTEL_NODE_ENABLED_INSTRUMENTATIONS', enabledList],
    ['OTEL_NODE_DISABLED_INSTRUMENTATIONS', disabledList],
  ] as const) {
    for (const name of list ?? []) {
      if (!byName.has(name)) warnings.push(`${variable}: no instrumentation named "${name}"; ignored`)
    }
  }
  const own = new Map<string, InstrumentationSettings>()
  for (const [key, value] of Object.entries(settings)) {
    const name = shortName(key)
    if (!byName.has(name)) warnings.push(`instrumentations: no instrumentation named "${key}"; ignored`)
    else own.set(name, value ?? {})
  }

  const plans: InstrumentationPlan[] = []
  for (const entry of CATALOG) {
    const user = own.get(entry.name) ?? {}
    if (user.enabled === false) continue
    if (disabledList?.has(entry.name)) continue
    if (enabledList && !enabledList.has(entry.name)) continue
    const askedFor = user.enabled === true || enabledList?.has(entry.name) === true
    if (entry.noisy && !askedFor) continue
    const { enabled: _enabled, ...config } = user
    plans.push({ entry, config: { ...entry.defaults, ...config } })
  }
  return plans
}

/**
 * Whether the application can load one of `modules`: resolved from the entry script's folder,
 * then from the working directory. Resolving reads only package.json files; nothing is loaded.
 */
export function appHasModule(modules: readonly string[]): boolean {
  if (modules.length === 0) return true
  const requires: NodeJS.Require[] = []
  if (process.argv[1]) requires.push(createRequire(process.argv[1]))
  requires.push(createRequire(join(process.cwd(), 'noop.js')))
  for (const mod of modules) {
    for (const req of requires) {
      try {
        req.resolve(mod)
        return true
      } catch {
        // not installed where the app looks for it
      }
    }
  }
  return false
}

/**
 * Whether the application's own package.json (the nearest one above the entry script, else above the
 * working directory) lists `name` among its dependencies. Resolvable is not the same: the SDK's own
 * dependencies (`@grpc/grpc-js`, for the exporter) are hoisted beside the app's.
 */
export function appDeclares(name: string): boolean {
  let dir = process.argv[1] ? dirname(process.argv[1]) : process.cwd()
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
      return ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'].some(
        (field) => typeof pkg[field] === 'object' && pkg[field] !== null && name in (pkg[field] as object),
      )
    } catch {
      const parent = dirname(dir)
      if (parent === dir) return false
      dir = parent
    }
  }
}

const sdkRequire = createRequire(import.meta.url)

type InstrumentationClass = new (config?: InstrumentationSettings) => Instrumentation

/**
 * Builds the planned instrumentations whose module the app has. Each is required from the SDK's
 * own dependencies only now, so an absent module costs nothing. A failing one is reported in
 * `warnings` and skipped.
 */
export function buildInstrumentations(
  plans: readonly InstrumentationPlan[],
  warnings: string[],
  hasModule: (modules: readonly string[]) => boolean = appHasModule,
): Instrumentation[] {
  const built: Instrumentation[] = []
  for (const { entry, config } of plans) {
    if (!hasModule(entry.modules)) continue
    try {
      const Cls = (sdkRequire(entry.pkg) as Record<string, InstrumentationClass>)[entry.exportName]
      built.push(new Cls(config))
    } catch (err) {
      warnings.push(`${entry.name} is not traced: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  return built
}
