import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sanitizeSql } from '../src/sql.js'

describe('sanitizeSql', () => {
  it('leaves a parameterized statement exactly as it was', () => {
    for (const sql of [
      'SELECT id, customer FROM orders WHERE id = $1 AND total > $2',
      'INSERT INTO t (a, b) VALUES (?, ?)',
      'UPDATE users SET name = :name WHERE id = :id',
      'SELECT "Order".id FROM "Order" JOIN `line_items` ON x2 = y_3 -- a comment: 42\n',
    ]) {
      expect(sanitizeSql(sql)).toBe(sql)
    }
  })

  it('masks string and number literals of ad-hoc SQL', () => {
    expect(sanitizeSql("SELECT * FROM users WHERE email = 'bob@example.com' AND age > 42")).toBe(
      'SELECT * FROM users WHERE email = ? AND age > ?',
    )
    expect(sanitizeSql('UPDATE t SET price = 12.50, ratio = .5, big = 1e10, neg = -3')).toBe(
      'UPDATE t SET price = ?, ratio = ?, big = ?, neg = -?',
    )
    expect(sanitizeSql("SELECT 'it''s', 0xFF, X'0A', E'\\n', E'a\\'b', N'x'")).toBe('SELECT ?, ?, ?, ?, ?, ?')
  })

  it('reads a backslash as a character in standard strings, and as an escape in MySQL and ClickHouse', () => {
    expect(sanitizeSql("SELECT '\\', 'secret' FROM t")).toBe('SELECT ?, ? FROM t')
    expect(sanitizeSql("SELECT 'a\\'b', 'c' FROM t", 'mysql')).toBe('SELECT ?, ? FROM t')
    expect(sanitizeSql("SELECT 'a\\'b', 'c' FROM t", 'backslash')).toBe('SELECT ?, ? FROM t')
  })

  it('masks dollar-quoted strings but keeps $n placeholders', () => {
    expect(sanitizeSql('SELECT $$secret$$, $tag$also $1 secret$tag$, $1')).toBe('SELECT ?, ?, $1')
  })

  it('keeps digits that belong to identifiers', () => {
    expect(sanitizeSql('SELECT col1 FROM t2 WHERE a_3 = 7')).toBe('SELECT col1 FROM t2 WHERE a_3 = ?')
  })

  it('reads double quotes as identifiers, except in MySQL where they are strings', () => {
    expect(sanitizeSql('SELECT "secret" FROM t')).toBe('SELECT "secret" FROM t')
    expect(sanitizeSql('SELECT "secret" FROM t', 'mysql')).toBe('SELECT ? FROM t')
  })

  it('masks an unterminated literal to the end rather than leak it', () => {
    expect(sanitizeSql("SELECT 'unterminated secret")).toBe('SELECT ?')
  })

  describe.each([
    ['standard', (s: string) => `'${s.replaceAll("'", "''")}'`],
    ['backslash', (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`],
    ['mysql', (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`],
  ] as const)('in the %s dialect', (dialect, quote) => {
    it('never lets a string or number literal through, whatever it contains', () => {
      const literal = fc.oneof(
        fc.string({ minLength: 1 }).map(quote),
        fc.string({ minLength: 1 }).map((s) => `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`),
        fc.nat().map(String),
        fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }).map(String),
      )
      fc.assert(
        fc.property(literal, (sql) => {
          expect(sanitizeSql(`SELECT * FROM t WHERE c = ${sql} ORDER BY id`, dialect)).toBe(
            'SELECT * FROM t WHERE c = ? ORDER BY id',
          )
        }),
        { numRuns: 500 },
      )
    })
  })

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(typeof sanitizeSql(s)).toBe('string')
      }),
    )
  })
})
