/**
 * What the compat tests share: the check that a query of a test parses with the grammar Grafana's editor
 * uses (so the test asks what Grafana can send), and the coded refusal a query gets.
 */
import type { LRParser } from '@lezer/lr'
import { expect } from 'vitest'
import { isSkeinError } from '../../src/errors.js'

/** `q`, after checking that `parser` (Grafana's TraceQL or LogQL grammar) reads it without an error node. */
export function parsesWith(parser: LRParser, q: string): string {
  let bad = false
  parser.parse(q).iterate({
    enter(n) {
      if (n.type.isError) bad = true
    },
  })
  expect(bad, `${q} parses with Grafana's grammar`).toBe(false)
  return q
}

/** The coded error that `run` throws; a failure when it throws none. */
export function refusalOf(q: string, run: () => unknown): { code: string; message: string } {
  try {
    run()
  } catch (e) {
    if (isSkeinError(e)) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error(`${q} was accepted`)
}
