/**
 * `skein why` spawned against a running collector with a checkout service's planted causes
 * (test/helpers/planted.ts) sent through OTLP and Loki push: the three tables name the same causes as
 * /api/v1/compare, and --json prints its answer unchanged.
 */
import { execFile } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, getJson, REPO_ROOT, type RunningCollector, startCollector } from '../helpers/collector.js'
import { PLANTED, sendPlanted } from '../helpers/planted.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
  await sendPlanted(collector.ingestUrl, { n: 120 })
})
afterAll(async () => {
  await collector?.stop()
})

function skein(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKEIN_')))
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args, '--url', collector.apiUrl],
      { cwd: REPO_ROOT, env, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}

/** The rows of one of the three tables (after its title and header line). */
function section(stdout: string, title: string): string[] {
  const lines = stdout.split('\n')
  const at = lines.indexOf(title)
  expect(at, stdout).toBeGreaterThanOrEqual(0)
  const rows: string[] = []
  for (const line of lines.slice(at + 2)) {
    if (line === '') break
    rows.push(line)
  }
  return rows
}

describe('skein why', () => {
  it('prints the planted attribute first, the retry, slowed call and log line in their top three', async () => {
    const r = await skein('why', '--service', PLANTED.service, '--min', `${PLANTED.slowAboveMs}ms`)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^selection \d+ requests, p50 /)
    const attributes = section(r.stdout, 'ATTRIBUTES')
    expect(attributes[0]).toMatch(/\s100\.0%\s.*\sspan\s+payment\.provider=slowpay$/)
    expect(attributes.slice(0, 3).join('\n')).not.toMatch(/user\.id=|region=/)
    const operations = section(r.stdout, 'OPERATIONS').slice(0, 3).join('\n')
    expect(operations).toContain(`payments: ${PLANTED.retry}`)
    expect(operations).toMatch(new RegExp(`slower .*payments: ${PLANTED.slowCall}$`, 'm'))
    expect(section(r.stdout, 'LOG PATTERNS').slice(0, 3).join('\n')).toContain(PLANTED.retryPattern)
    // The columns line up: every row of a table is as long as its header up to the last column.
    const lines = r.stdout.split('\n')
    const header = lines[lines.indexOf('ATTRIBUTES') + 1]
    expect(attributes[0].indexOf('span')).toBe(header.indexOf('SCOPE'))
  })

  it('with --json prints the /compare answer unchanged', async () => {
    const r = await skein('why', '--service', PLANTED.service, '--error', '--json')
    expect(r.code, r.stderr).toBe(0)
    const printed = JSON.parse(r.stdout)
    const { body } = await getJson(
      `${collector.apiUrl}/api/v1/compare?service=${PLANTED.service}&status=error`,
    )
    expect(printed).toEqual(body)
    expect(printed.attributes[0]).toEqual(
      expect.objectContaining({ key: 'service.version', value: PLANTED.badVersion }),
    )
  })

  it('says in one line what is missing, and passes on the API refusal', async () => {
    const none = await skein('why', '--service', PLANTED.service)
    expect(none.code).not.toBe(0)
    expect(none.stderr.trim().split('\n')).toHaveLength(1)
    expect(none.stderr).toContain('--min, --max, --error or --attr')
    const bad = await skein('why', '--service', PLANTED.service, '--attr', 'novalue')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('attr')
  })
})
