/**
 * The one way to build SQL: a tagged template `sql\`...\`` whose interpolations may only be typed
 * parameters (bound server-side as `{pN:Type}`), other fragments, or identifiers from an allowlist.
 * There is no way to splice a user's string into the text: a plain string interpolation is a type error
 * and a runtime error.
 */

const FRAGMENT = Symbol('sql.fragment')
const PARAM = Symbol('sql.param')

export interface Param {
  readonly [PARAM]: true
  readonly type: string
  readonly value: unknown
}

export interface Fragment {
  readonly [FRAGMENT]: true
  readonly parts: readonly string[]
  readonly values: readonly (Param | Fragment)[]
}

export type SqlValue = Param | Fragment

function param(type: string, value: unknown): Param {
  return { [PARAM]: true, type, value }
}

/** Typed parameters. 64-bit integers are passed as decimal strings so they stay exact. */
export const p = {
  String: (v: string) => param('String', v),
  UInt8: (v: number) => param('UInt8', v),
  UInt32: (v: number) => param('UInt32', v),
  Int64: (v: string | number | bigint) => param('Int64', String(v)),
  UInt64: (v: string | number | bigint) => param('UInt64', String(v)),
  Float64: (v: number) => param('Float64', v),
  ArrayString: (v: readonly string[]) => param('Array(String)', v),
}

function isParam(v: unknown): v is Param {
  return typeof v === 'object' && v !== null && (v as Param)[PARAM] === true
}
export function isFragment(v: unknown): v is Fragment {
  return typeof v === 'object' && v !== null && (v as Fragment)[FRAGMENT] === true
}

export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): Fragment {
  for (const v of values) {
    if (!isParam(v) && !isFragment(v)) {
      throw new TypeError(
        'sql: only typed parameters (p.*), fragments (sql``) or ident() may be interpolated',
      )
    }
  }
  return { [FRAGMENT]: true, parts: [...strings], values }
}

/**
 * Code-owned text (table names from Storage, constant expressions). Never pass anything that came from a
 * request: that is what `p.*` and `ident` are for.
 */
export function trusted(text: string): Fragment {
  return { [FRAGMENT]: true, parts: [text], values: [] }
}

/** An identifier chosen from an allowlist: the key's mapped SQL text, or an error naming the parameter. */
export function ident<K extends string>(
  name: string,
  allowlist: Readonly<Record<K, string>>,
  onBad: () => never,
): Fragment {
  if (!Object.hasOwn(allowlist, name)) onBad()
  return trusted(allowlist[name as K])
}

/** Joins fragments with a separator (also a code constant). */
export function join(fragments: readonly Fragment[], separator: string): Fragment {
  if (fragments.length === 0) return trusted('')
  const parts = ['', ...Array<string>(fragments.length - 1).fill(separator), '']
  return { [FRAGMENT]: true, parts, values: [...fragments] }
}

/** `WHERE a AND b ...`, or nothing when there are no conditions. */
export function where(conditions: readonly Fragment[]): Fragment {
  if (conditions.length === 0) return trusted('')
  return sql`WHERE ${join(conditions, ' AND ')}`
}

export interface BuiltQuery {
  query: string
  query_params: Record<string, unknown>
}

/** Renders a fragment to text with `{pN:Type}` placeholders and the parameter map. */
export function build(fragment: Fragment): BuiltQuery {
  const query_params: Record<string, unknown> = {}
  let n = 0
  const render = (f: Fragment): string => {
    let out = f.parts[0]
    for (let i = 0; i < f.values.length; i++) {
      const v = f.values[i]
      if (isFragment(v)) out += render(v)
      else {
        const name = `p${n++}`
        query_params[name] = v.value
        out += `{${name}:${v.type}}`
      }
      out += f.parts[i + 1]
    }
    return out
  }
  return { query: render(fragment), query_params }
}
