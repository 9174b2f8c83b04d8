import { describe, expect, it } from 'vitest'
import {
  codePointPrefix,
  logPattern,
  MASK_RULES,
  PATTERN_CUT,
  PATTERN_PREFIX,
  patternParts,
} from './patterns.js'

describe('logPattern', () => {
  it('masks numbers, so lines that differ only in them share a template', () => {
    expect(logPattern('order 42 loaded')).toBe('order <*> loaded')
    expect(logPattern('order 7 loaded')).toBe('order <*> loaded')
    expect(logPattern('took 3.25 s, retry -1')).toBe('took <*>.<*> s, retry -<*>')
  })

  it('masks a word with a digit in it whole: units, hex ids, ids with a prefix', () => {
    expect(logPattern('GET /orders/981 200 12ms')).toBe('GET /orders/<*> <*> <*>')
    expect(logPattern('trace=4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7')).toBe(
      'trace=<*> span <*>',
    )
    expect(logPattern('user_42 and sku-9 at 0x7ffd1c')).toBe('<*> and sku-<*> at <*>')
  })

  it('keeps words of letters, hex-looking or not', () => {
    expect(logPattern('cache miss: deadbeef facade')).toBe('cache miss: deadbeef facade')
  })

  it('masks a UUID whole, also one with a group of letters only', () => {
    expect(logPattern('user 7c9e6679-7425-40de-944b-e07fc1f90ae7 in')).toBe('user <*> in')
    expect(logPattern('id cafebabe-cafe-4ace-beef-facadefacade')).toBe('id <*>')
  })

  it('masks double-quoted values, escaped quotes and all', () => {
    expect(logPattern('query "SELECT * FROM t WHERE a = \\"x\\"" failed')).toBe('query "<*>" failed')
    expect(logPattern('key "" empty')).toBe('key "<*>" empty')
    expect(logPattern('{"user":"bob","n":1}')).toBe('{"<*>":"<*>","<*>":<*>}')
  })

  it('masks single-quoted values but not apostrophes', () => {
    expect(logPattern("can't find table 'users' in 'main'")).toBe("can't find table '<*>' in '<*>'")
    expect(logPattern("it's Bob's")).toBe("it's Bob's")
    expect(logPattern("'quoted' at the start")).toBe("'<*>' at the start")
  })

  it('leaves an unclosed quote and what follows it as they are, numbers masked', () => {
    expect(logPattern('bad "input 42')).toBe('bad "input <*>')
    expect(logPattern("bad 'input 42")).toBe("bad 'input <*>")
  })

  it('turns a line of digits into masks only', () => {
    expect(logPattern('1234567890')).toBe('<*>')
    expect(logPattern('12 34 56')).toBe('<*> <*> <*>')
    expect(logPattern('0'.repeat(5000))).toBe(`<*>${PATTERN_CUT}`)
  })

  it('keeps text outside ASCII as it is, masking the numbers around it', () => {
    expect(logPattern('заказ 42 загружен')).toBe('заказ <*> загружен')
    expect(logPattern('注文42件 🎉 x9')).toBe('注文<*>件 🎉 <*>')
    expect(logPattern('café 3 crème')).toBe('café <*> crème')
  })

  it('gives back markup and control characters as the same text, never anything else', () => {
    const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>\u0000\u202e\r\n'
    expect(logPattern(hostile)).toBe('<img src=x onerror="<*>"><script>alert(<*>)</script>\u0000\u202e\r\n')
    expect(logPattern('')).toBe('')
    expect(logPattern('<*>')).toBe('<*>')
  })

  it(`masks the first ${PATTERN_PREFIX} characters of a longer line and marks the cut`, () => {
    const long = `${'a'.repeat(PATTERN_PREFIX - 2)} 1 tail 2`
    expect(logPattern(long)).toBe(`${'a'.repeat(PATTERN_PREFIX - 2)} <*>${PATTERN_CUT}`)
    // Counted in code points: an emoji is one character, two UTF-16 units.
    const emoji = '😀'.repeat(PATTERN_PREFIX)
    expect(logPattern(emoji)).toBe(emoji)
    expect(logPattern(`${emoji}!`)).toBe(`${emoji}${PATTERN_CUT}`)
  })

  it('takes little time on lines built to make regular expressions backtrack', () => {
    const lines = [
      '"\\"'.repeat(400_000),
      `'${"\\'".repeat(400_000)}`,
      `${'a'.repeat(1_000_000)}`,
      `${'"'.repeat(1_000_000)}`,
      `${'a_'.repeat(500_000)}1`,
    ]
    const t = performance.now()
    for (const line of lines) logPattern(line)
    expect(performance.now() - t).toBeLessThan(500)
  })

  it('is stable: a template is its own template only when it has nothing left to mask', () => {
    expect(logPattern(logPattern('order 42 "x" loaded'))).toBe('order <*> "<*>" loaded')
  })
})

describe('MASK_RULES', () => {
  it('has no rule that matches the empty string (RE2 and JS step over those differently)', () => {
    for (const r of MASK_RULES) expect(new RegExp(r.source).test(''), r.name).toBe(false)
  })

  it('uses no syntax that RE2 lacks or reads differently: lookaround, backreferences, dot', () => {
    for (const r of MASK_RULES) {
      expect(r.source, r.name).not.toMatch(/\(\?[=!<]|\\[1-9kpP]|(^|[^\\])\./)
    }
  })
})

describe('codePointPrefix', () => {
  it('cuts between code points, never inside a surrogate pair', () => {
    expect(codePointPrefix('a😀b', 2)).toEqual({ text: 'a😀', cut: true })
    expect(codePointPrefix('a😀', 2)).toEqual({ text: 'a😀', cut: false })
    expect(codePointPrefix('\ud800x', 1)).toEqual({ text: '\ud800', cut: true })
  })
})

describe('patternParts', () => {
  it('splits a template into literal text and masks', () => {
    expect(patternParts('a <*> b<*>')).toEqual([
      { text: 'a ', masked: false },
      { text: '<*>', masked: true },
      { text: ' b', masked: false },
      { text: '<*>', masked: true },
    ])
    expect(patternParts('')).toEqual([])
  })
})
