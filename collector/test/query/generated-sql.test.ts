/**
 * Snapshots of the SQL that the query modules generate (HyperDX-style guard): a change to a query's
 * text shows up in review, and every request value is a `{pN:Type}` placeholder, never inline text.
 */
import { describe, expect, it } from 'vitest'
import { dependenciesQuery, parseDependenciesParams } from '../../src/query/dependencies.js'
import { logSearchQuery, parseLogSearchParams } from '../../src/query/logs.js'
import { build, trusted } from '../../src/query/sql.js'
import { parseTraceSearchParams, traceSearchQuery } from '../../src/query/trace-search.js'

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
    const logs = build(logSearchQuery(parseLogSearchParams({ ...range, q: evil }), table))
    expect(logs.query).not.toContain('DROP')
    expect(Object.values(logs.query_params)).toContain(evil)
  })
})
