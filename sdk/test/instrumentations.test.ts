import { describe, expect, it } from 'vitest'
import { buildInstrumentations, CATALOG, planInstrumentations, shortName } from '../src/instrumentations.js'

const names = (settings = {}, env = {}) => {
  const warnings: string[] = []
  const plans = planInstrumentations(settings, env, warnings)
  return { names: plans.map((p) => p.entry.name), plans, warnings }
}

describe('planInstrumentations', () => {
  it('wants every instrumentation but the noisy fs, dns and net by default', () => {
    const { names: wanted, warnings } = names()
    expect(wanted).toContain('http')
    expect(wanted).toContain('express')
    expect(wanted).toContain('fastify')
    expect(wanted).toContain('pg')
    expect(wanted).toContain('ioredis')
    expect(wanted).not.toContain('fs')
    expect(wanted).not.toContain('dns')
    expect(wanted).not.toContain('net')
    expect(wanted).toHaveLength(CATALOG.length - 3)
    expect(warnings).toEqual([])
  })

  it('runs only the listed ones with OTEL_NODE_ENABLED_INSTRUMENTATIONS, noisy ones included when named', () => {
    expect(names({}, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, express,fs' }).names).toEqual([
      'http',
      'express',
      'fs',
    ])
  })

  it('removes the listed ones with OTEL_NODE_DISABLED_INSTRUMENTATIONS, after the enabled list', () => {
    const { names: wanted } = names(
      {},
      { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg,@opentelemetry/instrumentation-ioredis' },
    )
    expect(wanted).not.toContain('pg')
    expect(wanted).not.toContain('ioredis')
    expect(wanted).toContain('express')
    expect(
      names({}, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pg', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg' })
        .names,
    ).toEqual(['http'])
  })

  it('takes settings by short or package name, turns one off with enabled: false, and keeps Skein’s defaults under them', () => {
    const { plans, names: wanted } = names({
      '@opentelemetry/instrumentation-pg': { enhancedDatabaseReporting: true },
      express: { enabled: false },
      fs: { enabled: true },
      mysql2: { responseHook: 'mine' },
    })
    expect(wanted).not.toContain('express')
    expect(wanted).toContain('fs')
    expect(plans.find((p) => p.entry.name === 'pg')?.config).toEqual({ enhancedDatabaseReporting: true })
    // maskStatement stays on (values would otherwise be formatted into the statement), `enabled` is not passed on
    expect(plans.find((p) => p.entry.name === 'mysql2')?.config).toEqual({
      maskStatement: true,
      responseHook: 'mine',
    })
    expect(plans.find((p) => p.entry.name === 'fs')?.config).toEqual({})
  })

  it('warns about names it does not know, and goes on', () => {
    const { warnings, names: wanted } = names(
      { mongo: {} },
      { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'expres' },
    )
    expect(warnings).toEqual([
      'OTEL_NODE_DISABLED_INSTRUMENTATIONS: no instrumentation named "expres"; ignored',
      'instrumentations: no instrumentation named "mongo"; ignored',
    ])
    expect(wanted).toContain('express')
  })
})

describe('buildInstrumentations', () => {
  it('builds only those whose module the app has, and names them as the switches do', () => {
    const warnings: string[] = []
    const plans = planInstrumentations({}, {}, warnings)
    const asked: string[][] = []
    const built = buildInstrumentations(plans, warnings, (modules) => {
      asked.push([...modules])
      return modules.length === 0 || modules.includes('express')
    })
    expect(built.map((i) => shortName(i.instrumentationName))).toEqual(['http', 'undici', 'express'])
    expect(asked).toContainEqual(['redis', '@redis/client'])
    expect(warnings).toEqual([])
    for (const i of built) i.disable()
  })

  it('maps every catalogue entry to a class its package exports', () => {
    const warnings: string[] = []
    const plans = CATALOG.map((entry) => ({ entry, config: { enabled: false } }))
    const built = buildInstrumentations(plans, warnings, () => true)
    expect(warnings).toEqual([])
    expect(built.map((i) => shortName(i.instrumentationName))).toEqual(CATALOG.map((e) => e.name))
  })
})
