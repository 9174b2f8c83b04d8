/**
 * Benchmark results: each benchmark records its figures in bench/results.json (latest per benchmark)
 * and appends a dated section to bench/RESULTS.md with the commit and the machine.
 */
import { execSync } from 'node:child_process'
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

const DIR = fileURLToPath(new URL('..', import.meta.url))

/** CPU time a process has used so far (user + system, all its threads), from /proc; NaN once it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return Number.NaN
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

function commit(): string {
  try {
    const sha = execSync('git rev-parse --short HEAD', { cwd: DIR }).toString().trim()
    // The result files themselves do not count: a run writes them section by section.
    const changed = execSync('git status --porcelain -- . :!bench/RESULTS.md :!bench/results.json', {
      cwd: `${DIR}/..`,
    })
    const dirty = changed.toString().trim() ? '+dirty' : ''
    return sha + dirty
  } catch {
    return 'unknown'
  }
}

export function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
}

/** Records one benchmark's figures: `rows` are [figure, value] lines of a Markdown table. */
export function record(
  name: string,
  figures: Record<string, unknown>,
  rows: [string, string][],
  notes = '',
): void {
  const jsonPath = `${DIR}/results.json`
  const all = existsSync(jsonPath) ? JSON.parse(readFileSync(jsonPath, 'utf8')) : {}
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ')
  const at = commit()
  all[name] = { date, commit: at, machine: machine(), figures }
  writeFileSync(jsonPath, `${JSON.stringify(all, null, 2)}\n`)
  const mdPath = `${DIR}/RESULTS.md`
  if (!existsSync(mdPath))
    writeFileSync(
      mdPath,
      '# Benchmark results\n\nNewest last. Medians unless said; ratios are against a baseline measured in the same run.\n',
    )
  const table = ['| figure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n')
  appendFileSync(
    mdPath,
    `\n## ${name} — ${date} UTC, commit ${at}\n\n${machine()}\n\n${table}\n${notes ? `\n${notes}\n` : ''}`,
  )
  console.log(`\nrecorded in bench/RESULTS.md and bench/results.json`)
}
