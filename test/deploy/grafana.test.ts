/**
 * Grafana's provisioning (deploy/grafana) and its compose service agree with each other and with Skein:
 * the files parse, every data source uid is unique, trace → logs and logs → trace links name data sources
 * that exist and are of the right type, the URLs point at the collector's query port and the prefixes
 * Skein serves, the ClickHouse data source reads the compose ClickHouse's database in OTel mode, every
 * variable the files use is set in Grafana's environment, and compose mounts the files where Grafana
 * reads them. Docker cannot run here, so the files are checked, not run; the endpoints themselves are
 * tested on a real collector in collector/test/compat.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { OPTIONS } from '../../collector/src/config.js'
import { REPO_ROOT } from '../helpers/collector.js'

interface DataSource {
  name: string
  uid: string
  type: string
  url?: string
  jsonData?: any
  secureJsonData?: Record<string, string>
}

const DIR = 'deploy/grafana/provisioning/datasources'
const files = readdirSync(join(REPO_ROOT, DIR)).filter((f) => f.endsWith('.yaml'))
const texts = files.map((f) => readFileSync(join(REPO_ROOT, DIR, f), 'utf8'))
const sources: DataSource[] = texts.flatMap((t) => {
  const doc = parse(t)
  expect(doc.apiVersion).toBe(1)
  return doc.datasources
})
const byUid = (uid: string) => sources.find((s) => s.uid === uid)
const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true })
const grafana = compose.services.grafana
const apiPort = OPTIONS.find((o) => o.key === 'port')?.default

describe('Grafana provisioning', () => {
  it('parses, with unique uids and names', () => {
    expect(sources.length).toBeGreaterThanOrEqual(3)
    expect(new Set(sources.map((s) => s.uid)).size).toBe(sources.length)
    expect(new Set(sources.map((s) => s.name)).size).toBe(sources.length)
  })

  it('reads traces from /tempo and logs from the root of the collector’s query port', () => {
    const tempo = sources.find((s) => s.type === 'tempo')
    const loki = sources.find((s) => s.type === 'loki')
    expect(tempo?.url).toBe(`http://collector:${apiPort}/tempo`)
    expect(loki?.url).toBe(`http://collector:${apiPort}`)
    expect(compose.services.collector.ports).toContain(`${apiPort}:${apiPort}`)
    // Skein has no gRPC streaming endpoint: Grafana must search over HTTP.
    expect(tempo?.jsonData.streamingEnabled).toEqual({ search: false, metrics: false })
  })

  it('links traces to logs and logs to traces through uids that exist, with time shifts', () => {
    const tempo = sources.find((s) => s.type === 'tempo') as DataSource
    const loki = sources.find((s) => s.type === 'loki') as DataSource
    const t2l = tempo.jsonData.tracesToLogsV2
    expect(byUid(t2l.datasourceUid)?.type).toBe('loki')
    expect(t2l.filterByTraceID).toBe(true)
    expect(t2l.spanStartTimeShift).toMatch(/^-\d+[smh]$/)
    expect(t2l.spanEndTimeShift).toMatch(/^\d+[smh]$/)
    // The tag Grafana puts in the stream selector is the label Skein's Loki API gives the service.
    expect(t2l.tags).toContainEqual({ key: 'service.name', value: 'service_name' })
    const [derived] = loki.jsonData.derivedFields
    expect(byUid(derived.datasourceUid)?.type).toBe('tempo')
    expect(derived).toMatchObject({ matcherType: 'label', matcherRegex: 'trace_id', url: '$${__value.raw}' })
  })

  it('reads the compose ClickHouse’s tables in OTel mode, with the plugin installed', () => {
    const ch = sources.find((s) => s.type === 'grafana-clickhouse-datasource') as DataSource
    const env = compose.services.clickhouse.environment
    expect(compose.services[ch.jsonData.host]).toBeDefined()
    expect(ch.jsonData).toMatchObject({ username: env.CLICKHOUSE_USER, defaultDatabase: env.CLICKHOUSE_DB })
    expect(ch.jsonData.traces).toMatchObject({ defaultTable: 'otel_traces', otelEnabled: true })
    expect(ch.jsonData.logs).toMatchObject({ defaultTable: 'otel_logs', otelEnabled: true })
    expect(grafana.environment.GF_INSTALL_PLUGINS.split(',')).toContain(ch.type)
  })

  it('runs a pinned Grafana with the files mounted where Grafana reads them, after the collector', () => {
    expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/)
    expect(grafana.volumes).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro')
    expect(grafana.depends_on.collector).toEqual({ condition: 'service_healthy' })
  })

  it('sets every variable the files use in Grafana’s environment', () => {
    const used = texts.flatMap((t) => [...t.matchAll(/(?<!\$)\$\{(\w+)\}/g)].map((m) => m[1]))
    expect(used.length).toBeGreaterThan(0)
    for (const name of used) expect(Object.keys(grafana.environment), name).toContain(name)
  })
})
