import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { OPTIONS } from '../src/config.js'

/** The README's configuration table is what users read: it must list every option, as the code has it. */
describe('the README configuration table', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const rows = [...readme.matchAll(/^\| `(--[a-z-]+)` \| `([A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => ({
    flag: m[1],
    env: m[2],
    default: m[3].trim(),
  }))

  it('lists every flag of skein serve, with its environment variable', () => {
    expect(rows.map((r) => [r.flag, r.env]).sort()).toEqual(OPTIONS.map((o) => [o.flag, o.env]).sort())
  })

  it('shows each default the code uses', () => {
    for (const o of OPTIONS) {
      if (o.default === undefined || o.default === '') continue
      const row = rows.find((r) => r.flag === o.flag)
      expect(row?.default, o.flag).toBe(`\`${o.default}\``)
    }
  })
})
