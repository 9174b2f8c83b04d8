/**
 * Snapshots of the SQL that the query modules generate (HyperDX-style guard): a change to a query's
 * text shows up in review, and every request value is a `{pN:Type}` placeholder, never inline text.
 */
import { describe, expect, it } from 'vitest'
import { dependenciesQuery, parseDependenciesParams } from '../../src/query/dependencies.js'
import { logSearchQuery, parseLogSearchParams } from '../../src/query/logs.js'
import { logCountQuery, logPatternsQuery, parseLogPatternsParams } from '../../src/query/patterns.js'
import { build, trusted } from '../../src/query/sql.js'
import { parseTraceSearchParams, traceSearchQuery } from '../../src/query/trace-search.js'
import { logVolumeQuery, parseLogVolumeParams } from '../../src/query/volume.js'

const table = (name: string) => trusted(`\`otel\`.\`${name}\``)
const range = { start: '1700000000000', end: '1700003600000' }
const evil = "x' OR 1=1; DROP TABLE otel_traces; -- {p0:String} %_\\"

describe('generated SQL', () => {
  it('of a trace search with every filter', () => {
    const q = build(
      traceSearchQuery(
        parseTraceSearchParams({
          ...range,
          service: 'orders',
          operation: 'GET /orders/:id',
          minDurationMs: '250',
          maxDurationMs: '1500.5',
          status: 'error',
          attr: ['tenant=acme', 'http.route=/orders/:id'],
          limit: '50',
        }),
        table,
      ),
    )
    expect(q).toMatchSnapshot()
  })

  it('of a log search with text, level and trace id', () => {
    const q = build(
      logSearchQuery(
        parseLogSearchParams({
          ...range,
          service: 'gateway',
          level: 'warn',
          q: 'payment failed: card',
          traceId: 'AB'.repeat(16),
        }),
        table,
      ),
    )
    expect(q).toMatchSnapshot()
  })

  it('of a log search by pattern: its literal words as tokens, then the masked body', () => {
    const q = build(
      logSearchQuery(
        parseLogSearchParams({ ...range, pattern: 'order <*> loaded from "<*>" in <*>ms' }),
        table,
      ),
    )
    expect(q).toMatchSnapshot()
  })

  it('of the log volume per bucket and level', () => {
    expect(
      build(logVolumeQuery(parseLogVolumeParams({ ...range, service: 'gateway', q: 'timeout' }), table)),
    ).toMatchSnapshot()
  })

  it('of the log patterns, counted first, then masked whole or sampled', () => {
    const params = parseLogPatternsParams({ ...range, level: 'error', limit: '30' })
    expect(build(logCountQuery(params, table))).toMatchSnapshot()
    expect(build(logPatternsQuery(params, table))).toMatchSnapshot()
    expect(build(logPatternsQuery(params, table, 7)).query).toContain('cityHash64(Timestamp, Body) % {p')
  })

  it('of the dependency self-join', () => {
    expect(build(dependenciesQuery(parseDependenciesParams(range), table))).toMatchSnapshot()
  })

  it('keeps hostile values out of the text, in the parameters', () => {
    const q = build(
      traceSearchQuery(parseTraceSearchParams({ ...range, service: evil, attr: [`${evil}=${evil}`] }), table),
    )
    expect(q.query).not.toContain('DROP')
    expect(q.query).not.toContain("'x'")
    expect(Object.values(q.query_params)).toContain(evil)
    const logs = build(logSearchQuery(parseLogSearchParams({ ...range, q: evil, pattern: evil }), table))
    expect(logs.query).not.toContain('DROP')
    expect(Object.values(logs.query_params).filter((v) => v === evil)).toHaveLength(2)
    const patterns = build(logPatternsQuery(parseLogPatternsParams({ ...range, pattern: evil }), table))
    expect(patterns.query).not.toContain('DROP')
    expect(Object.values(patterns.query_params)).toContain(evil)
  })
})
