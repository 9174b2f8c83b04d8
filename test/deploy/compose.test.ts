/**
 * The compose files, the Dockerfile and the cluster configuration agree with the collector's real
 * configuration. Docker cannot run on these machines, so the files are parsed and every flag, variable,
 * port and health check is checked against OPTIONS and loadConfig (the collector's own validation).
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { loadConfig, OPTIONS, type RawFlags } from '../../collector/src/config.js'
import { REPO_ROOT } from '../helpers/collector.js'

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8')
// merge: compose files use `<<: *anchor` for the ClickHouse nodes and collectors.
const compose = (path: string) => parse(read(path), { merge: true }) as Compose

interface Service {
  image?: string
  build?: string | { context: string }
  command?: string[]
  entrypoint?: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
}
interface Compose {
  services: Record<string, Service>
  volumes?: Record<string, unknown>
}

const DEFAULT = Object.fromEntries(OPTIONS.map((o) => [o.key, o.default])) as Record<string, string>
const PORTS = {
  grpc: Number(DEFAULT.grpcPort),
  ingest: Number(DEFAULT.ingestPort),
  api: Number(DEFAULT.port),
}
const ENVS = new Set(OPTIONS.flatMap((o) => (o.secret ? [o.env, `${o.env}_FILE`] : [o.env])))

/** `serve --flag value ...` → the flags object commander would hand loadConfig; unknown flags throw. */
function flagsOf(command: string[]): RawFlags {
  expect(command[0]).toBe('serve')
  const flags: RawFlags = {}
  for (let i = 1; i < command.length; i++) {
    const spec = OPTIONS.find((o) => o.flag === command[i])
    if (!spec) throw new Error(`${command[i]} is not a flag of skein serve`)
    const key = spec.flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
    flags[key] = spec.kind === 'bool' ? true : command[++i]
  }
  return flags
}

/** The collector's Config for a compose service, validated exactly as `skein serve` would. */
function configOf(service: Service) {
  const env = service.environment ?? {}
  for (const name of Object.keys(env).filter((n) => n.startsWith('SKEIN_')))
    expect(ENVS, name).toContain(name)
  return loadConfig(flagsOf(service.command ?? []), env)
}

/** Published ports as [host, container] numbers. */
const published = (s: Service) => (s.ports ?? []).map((p) => p.split(':').map(Number))

const contextOf = (s: Service, composeDir: string) =>
  join(REPO_ROOT, composeDir, typeof s.build === 'string' ? s.build : (s.build?.context ?? '.'))

/**
 * Elements of a ClickHouse config file as nested objects (repeated elements become arrays). The files here
 * have no attributes, so this small reader is enough; it keeps an XML library out of the dependencies.
 */
function xml(text: string): any {
  const root: any = {}
  const stack: any[] = [root]
  const names: string[] = []
  const body = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '')
  for (const m of body.matchAll(/<(\/?)([\w-]+)>|([^<]+)/g)) {
    const top = stack[stack.length - 1]
    if (m[3] !== undefined) {
      if (m[3].trim()) top['#text'] = m[3].trim()
    } else if (!m[1]) {
      const child: any = {}
      const name = m[2]
      top[name] = top[name] === undefined ? child : [top[name], child].flat()
      stack.push(child)
      names.push(name)
    } else {
      expect(names.pop(), 'closing tag').toBe(m[2])
      stack.pop()
    }
  }
  return root
}
const text = (node: any) => node?.['#text']
const list = (node: any) => (Array.isArray(node) ? node : node === undefined ? [] : [node])

describe('docker-compose.yml (one ClickHouse server)', () => {
  const file = compose('docker-compose.yml')
  const { clickhouse, collector, shop } = file.services

  it('pins an exact clickhouse-server version with a volume and a health check', () => {
    expect(clickhouse.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+\.\d+\.\d+$/)
    const [volume, path] = (clickhouse.volumes ?? [])[0].split(':')
    expect(path).toBe('/var/lib/clickhouse')
    expect(Object.keys(file.volumes ?? {})).toContain(volume)
    expect(clickhouse.healthcheck?.test.join(' ')).toMatch(/SELECT 1/)
  })

  it('builds the collector from this repository and starts it with flags that skein serve accepts', () => {
    expect(existsSync(join(contextOf(collector, '.'), 'Dockerfile'))).toBe(true)
    const config = configOf(collector)
    expect(config.host).toBe('0.0.0.0')
    expect(new URL(config.clickhouse!.url)).toMatchObject({ hostname: 'clickhouse', port: '8123' })
    expect(config.clickhouse!.user).toBe(clickhouse.environment?.CLICKHOUSE_USER)
    expect(collector.environment?.SKEIN_CLICKHOUSE_PASSWORD).toBe(clickhouse.environment?.CLICKHOUSE_PASSWORD)
    expect(config.database).toBe(clickhouse.environment?.CLICKHOUSE_DB)
    expect(config.cluster).toBeUndefined()
  })

  it("waits for ClickHouse's health check and publishes the default ports", () => {
    expect(collector.depends_on?.clickhouse).toEqual({ condition: 'service_healthy' })
    expect(published(collector).sort()).toEqual([
      [PORTS.grpc, PORTS.grpc],
      [PORTS.ingest, PORTS.ingest],
      [PORTS.api, PORTS.api],
    ])
    expect(collector.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${PORTS.api}/health`)
  })

  it('runs the shop from the same image, sending spans and logs to the collector once it is healthy', () => {
    expect(shop.image).toBe(collector.image)
    expect(shop.entrypoint).toEqual(['node', 'examples/shop/launcher.mjs'])
    expect(existsSync(join(REPO_ROOT, 'examples/shop/launcher.mjs'))).toBe(true)
    expect(shop.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://collector:${PORTS.grpc}`)
    expect(shop.environment?.SKEIN_LOGS_ENDPOINT).toBe(`http://collector:${PORTS.ingest}`)
    expect(Number(shop.environment?.SHOP_RATE)).toBeGreaterThan(0)
    expect(shop.depends_on?.collector).toEqual({ condition: 'service_healthy' })
  })
})

describe('the Dockerfile', () => {
  const dockerfile = read('Dockerfile')
  const stages = dockerfile.split(/^FROM /m).slice(1)

  it('builds in one stage and runs the collector, the SDK, the UI and the shop from a slim one', () => {
    expect(stages).toHaveLength(2)
    expect(stages[0]).toMatch(/RUN npm install/)
    expect(stages[0]).toMatch(/npm run build/)
    expect(stages[0]).toMatch(/npm prune --omit=dev/)
    const runtime = stages[1]
    expect(runtime).toMatch(/^node:\S+-slim/)
    for (const path of [
      'node_modules',
      'model/dist',
      'collector/dist',
      'sdk/dist',
      'ui/dist',
      'examples/shop',
    ]) {
      expect(runtime).toMatch(new RegExp(`COPY --from=build /app/${path} `))
    }
    expect(runtime).toMatch(/ENTRYPOINT \["node", "collector\/dist\/cli.js"\]/)
    const exposed = /EXPOSE (.+)/.exec(runtime)?.[1].split(' ').map(Number)
    expect(exposed).toEqual([PORTS.grpc, PORTS.ingest, PORTS.api])
  })

  it('has a .dockerignore that keeps local installs, builds and data out of the context', () => {
    const ignored = read('.dockerignore').split('\n')
    for (const p of ['**/node_modules', '**/dist', '.skein-data', '.git']) expect(ignored).toContain(p)
  })
})

describe('deploy/cluster (Keeper, 2 shards x 2 replicas, collectors behind one address)', () => {
  const dir = 'deploy/cluster'
  const file = compose(`${dir}/docker-compose.yml`)
  const services = file.services
  const clusterXml = xml(read(`${dir}/clickhouse/cluster.xml`)).clickhouse
  const [clusterName, ...others] = Object.keys(clusterXml.remote_servers)
  const shards = list(clusterXml.remote_servers[clusterName].shard)
  const collectors = Object.entries(services).filter(([, s]) => s.command?.[0] === 'serve')
  const mountOf = (s: Service, target: string) =>
    (s.volumes ?? []).map((v) => v.split(':')).find(([, to]) => to === target)?.[0]

  it('defines one cluster of 2 shards with 2 replicas each, every replica a ClickHouse service', () => {
    expect(others).toEqual([])
    expect(shards).toHaveLength(2)
    const hosts = shards.flatMap((shard) => {
      expect(text(shard.internal_replication)).toBe('true')
      expect(list(shard.replica)).toHaveLength(2)
      return list(shard.replica).map((r) => {
        expect(text(r.port)).toBe('9000')
        return text(r.host)
      })
    })
    expect(new Set(hosts).size).toBe(4)
    for (const host of hosts) {
      expect(services[host].image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+\.\d+\.\d+$/)
      expect(mountOf(services[host], '/etc/clickhouse-server/config.d/cluster.xml')).toBe(
        './clickhouse/cluster.xml',
      )
      expect(services[host].healthcheck?.test.join(' ')).toMatch(/SELECT 1/)
      expect(mountOf(services[host], '/var/lib/clickhouse')).toBeTruthy()
    }
  })

  it('gives each node the {shard} and {replica} macros of its place in remote_servers', () => {
    shards.forEach((shard, i) => {
      for (const replica of list(shard.replica)) {
        const host = text(replica.host)
        const source = mountOf(services[host], '/etc/clickhouse-server/config.d/macros.xml')
        expect(source, host).toBeDefined()
        const macros = xml(read(join(dir, source!))).clickhouse.macros
        expect({ shard: text(macros.shard), replica: text(macros.replica) }).toEqual({
          shard: String(i + 1),
          replica: host,
        })
      }
    })
  })

  it('points every node at ClickHouse Keeper, which has a health check the nodes wait on', () => {
    const node = clusterXml.zookeeper.node
    const keeperService = services[text(node.host)]
    expect(keeperService.entrypoint?.slice(0, 2)).toEqual(['clickhouse', 'keeper'])
    const keeperXml = xml(
      read(join(dir, mountOf(keeperService, '/etc/clickhouse-keeper/keeper.xml')!)),
    ).clickhouse
    expect(text(keeperXml.keeper_server.tcp_port)).toBe(text(node.port))
    expect(keeperService.healthcheck?.test.join(' ')).toContain(`/${text(node.port)} `)
    expect(keeperXml.keeper_server.four_letter_word_white_list['#text'].split(',')).toContain('ruok')
    for (const shard of shards) {
      for (const r of list(shard.replica))
        expect(services[text(r.host)].depends_on?.[text(node.host)]).toEqual({ condition: 'service_healthy' })
    }
  })

  it('runs two or more collectors with --clickhouse-cluster naming that cluster, after every node is healthy', () => {
    expect(collectors.length).toBeGreaterThanOrEqual(2)
    const nodes = shards.flatMap((s) => list(s.replica).map((r) => text(r.host)))
    const urls = new Set<string>()
    for (const [name, service] of collectors) {
      expect(existsSync(join(contextOf(service, dir), 'Dockerfile')), name).toBe(true)
      const config = configOf(service)
      expect(config.cluster).toBe(clusterName)
      expect(config.host).toBe('0.0.0.0')
      const url = new URL(config.clickhouse!.url)
      expect(nodes).toContain(url.hostname)
      expect(url.port).toBe('8123')
      urls.add(url.hostname)
      for (const node of nodes)
        expect(service.depends_on?.[node], `${name} → ${node}`).toEqual({ condition: 'service_healthy' })
      expect(service.ports ?? []).toEqual([])
    }
    // Spread over the cluster: no single node takes every collector's inserts.
    expect(urls.size).toBe(collectors.length)
  })

  it('puts the collectors behind one nginx address on the default ports, gRPC over HTTP/2', () => {
    const lb = Object.values(services).find((s) => s.image?.startsWith('nginx:'))!
    expect(lb.image).toMatch(/^nginx:\d+\.\d+\.\d+/)
    const conf = read(join(dir, mountOf(lb, '/etc/nginx/nginx.conf')!))
    expect(published(lb).sort()).toEqual([
      [PORTS.grpc, PORTS.grpc],
      [PORTS.ingest, PORTS.ingest],
      [PORTS.api, PORTS.api],
    ])
    const upstreams = Object.fromEntries(
      [...conf.matchAll(/upstream (\w+) \{([^}]*)\}/g)].map((m) => [
        m[1],
        [...m[2].matchAll(/server ([\w.-]+):(\d+);/g)].map((s) => `${s[1]}:${s[2]}`),
      ]),
    )
    const servers = [...conf.matchAll(/server \{\s*listen (\d+);([\s\S]*?)\n {2}\}/g)].map((m) => ({
      port: Number(m[1]),
      body: m[2],
    }))
    expect(servers.map((s) => s.port).sort()).toEqual([PORTS.grpc, PORTS.ingest, PORTS.api].sort())
    for (const { port, body } of servers) {
      const pass = /(grpc_pass grpc|proxy_pass http):\/\/(\w+);/.exec(body)!
      expect(pass[1], `port ${port}`).toBe(port === PORTS.grpc ? 'grpc_pass grpc' : 'proxy_pass http')
      if (port === PORTS.grpc) expect(body).toMatch(/http2 on;/)
      expect(upstreams[pass[2]].sort()).toEqual(collectors.map(([name]) => `${name}:${port}`).sort())
    }
    expect(conf).toMatch(/client_max_body_size 20m;/)
    expect(Number(DEFAULT.maxBodyBytes.replace('MiB', ''))).toBe(20)
  })

  it('runs the shop against the load balancer', () => {
    const lbName = Object.entries(services).find(([, s]) => s.image?.startsWith('nginx:'))![0]
    const shop = services.shop
    expect(shop.environment?.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://${lbName}:${PORTS.grpc}`)
    expect(shop.environment?.SKEIN_LOGS_ENDPOINT).toBe(`http://${lbName}:${PORTS.ingest}`)
  })
})
