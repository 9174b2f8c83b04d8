/**
 * A handler whose answer does not match its route's schema fails the type-check (query/route.ts with the
 * TypeBox type provider): fixtures/answers.ts is compiled with the collector's compiler options and must
 * have an error on each line marked `wrong`, and none elsewhere (so the errors are the answers', not a
 * broken import).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const FIXTURE = fileURLToPath(new URL('./fixtures/answers.ts', import.meta.url))
const TSCONFIG = fileURLToPath(new URL('../../tsconfig.json', import.meta.url))

function compilerOptions(): ts.CompilerOptions {
  const { config } = ts.readConfigFile(TSCONFIG, ts.sys.readFile)
  const parsed = ts.parseJsonConfigFileContent(
    config,
    ts.sys,
    fileURLToPath(new URL('../..', import.meta.url)),
  )
  return { ...parsed.options, noEmit: true, composite: false, incremental: false, rootDir: undefined }
}

describe('answers of declared routes', () => {
  it('fail the type-check when a field is misspelt, missing or of the wrong type', () => {
    const program = ts.createProgram([FIXTURE], compilerOptions())
    const file = program.getSourceFile(FIXTURE)!
    const errorLines = ts
      .getPreEmitDiagnostics(program, file)
      .map((d) => file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1)
    const wrongLines = readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .flatMap((line, i) =>
        line.includes('// wrong (next line)') ? [i + 2] : line.includes('// wrong') ? [i + 1] : [],
      )
    expect(wrongLines).toHaveLength(4)
    expect([...new Set(errorLines)].sort((a, b) => a - b)).toEqual(wrongLines)
  }, 60_000)
})
