import { describe, expect, it } from 'vitest'
import { build, ident, join, p, sql, trusted, where } from '../../src/query/sql.js'

describe('the sql tag', () => {
  it('binds every value as a typed server-side parameter', () => {
    const service = "x' OR 1=1 --"
    const q = build(
      sql`SELECT 1 FROM t WHERE ServiceName = ${p.String(service)} AND Duration >= ${p.UInt64(5)}`,
    )
    expect(q).toMatchInlineSnapshot(`
      {
        "query": "SELECT 1 FROM t WHERE ServiceName = {p0:String} AND Duration >= {p1:UInt64}",
        "query_params": {
          "p0": "x' OR 1=1 --",
          "p1": "5",
        },
      }
    `)
  })

  it('numbers parameters across nested fragments', () => {
    const conds = [sql`a = ${p.String('1')}`, sql`b = ${p.Int64(2)}`]
    const q = build(sql`SELECT * FROM ${trusted('db.t')} ${where(conds)} LIMIT ${p.UInt32(10)}`)
    expect(q.query).toBe('SELECT * FROM db.t WHERE a = {p0:String} AND b = {p1:Int64} LIMIT {p2:UInt32}')
    expect(q.query_params).toEqual({ p0: '1', p1: '2', p2: 10 })
  })

  it('renders nothing for an empty WHERE and joins with the separator', () => {
    expect(build(where([])).query).toBe('')
    expect(build(join([trusted('a'), trusted('b'), trusted('c')], ', ')).query).toBe('a, b, c')
  })

  it('refuses a plain string interpolation at run time too', () => {
    const evil = 'x; DROP TABLE t' as any
    expect(() => sql`SELECT ${evil}`).toThrow(/only typed parameters/)
  })

  it('takes identifiers only from an allowlist', () => {
    const cols = { duration: 'Duration', start: 'Timestamp' } as const
    expect(
      build(
        ident('duration', cols, () => {
          throw new Error('bad')
        }),
      ).query,
    ).toBe('Duration')
    expect(() =>
      ident('Duration; DROP', cols, () => {
        throw new Error('bad sort')
      }),
    ).toThrow('bad sort')
    expect(() =>
      ident('__proto__', cols, () => {
        throw new Error('bad sort')
      }),
    ).toThrow('bad sort')
  })
})
