/**
 * `npm run bench`: every benchmark in turn, each in its own process (chDB allows one data dir per
 * process, and a benchmark should not inherit another's heap). Each records its figures in
 * bench/results.json and a dated section of bench/RESULTS.md. BENCH_ONLY=ingest,sdk runs a subset.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const ALL = ['decode', 'ingest', 'indexes', 'query', 'compat', 'compare', 'serialize', 'sdk', 'ui']
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim())
let failed = 0
for (const name of ALL) {
  if (only && !only.includes(name)) continue
  console.log(`\n=== bench: ${name} ===`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`], {
    cwd: ROOT,
    stdio: 'inherit',
  })
  if (r.status !== 0) {
    console.error(`bench ${name} failed (exit ${r.status})`)
    failed++
  }
}
process.exit(failed ? 1 : 0)
