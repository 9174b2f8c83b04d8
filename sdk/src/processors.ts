/**
 * Span processors the SDK adds in front of the exporting one.
 * - {@link SanitizeStatements}: literal values out of SQL statements, whatever instrumentation
 *   recorded them (pg records ad-hoc SQL verbatim; mysql2 would format the values in).
 * - {@link OpenSpans}: the spans started and not yet ended, so a crash can end them (with the
 *   error) instead of losing the request's span tree.
 */
import type { Context } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { SqlDialect } from './sql.js'
import { sanitizeSql } from './sql.js'

/** `db.system.name` / `db.system` values of SQL databases, with how each quotes. */
const SQL_SYSTEMS: ReadonlyMap<string, SqlDialect> = new Map([
  ['postgresql', 'standard'],
  ['cockroachdb', 'standard'],
  ['mssql', 'standard'],
  ['microsoft.sql_server', 'standard'],
  ['oracle', 'standard'],
  ['oracle.db', 'standard'],
  ['sqlite', 'standard'],
  ['db2', 'standard'],
  ['ibm.db2', 'standard'],
  ['trino', 'standard'],
  ['clickhouse', 'backslash'],
  ['other_sql', 'backslash'],
  ['mysql', 'mysql'],
  ['mariadb', 'mysql'],
])

/** The statement attributes of the current and the older database conventions. */
const STATEMENT_KEYS = ['db.query.text', 'db.statement'] as const

/**
 * Rewrites `db.query.text` / `db.statement` of SQL database spans with their literals masked,
 * just before the span ends (instrumentations set the statement after starting the span).
 */
export class SanitizeStatements implements SpanProcessor {
  onStart(): void {}

  onEnding(span: Span): void {
    const attributes = span.attributes
    const system = attributes['db.system.name'] ?? attributes['db.system']
    if (typeof system !== 'string') return
    const dialect = SQL_SYSTEMS.get(system)
    if (!dialect) return
    for (const key of STATEMENT_KEYS) {
      const text = attributes[key]
      if (typeof text === 'string') {
        const clean = sanitizeSql(text, dialect)
        if (clean !== text) span.setAttribute(key, clean)
      }
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve()
  }

  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}

/**
 * Spans an instrumentation starts and never ends would otherwise be held forever; past this many
 * open spans the oldest is forgotten (it is still exported if it ever ends).
 */
const MAX_OPEN_SPANS = 10_000

/** The spans started and not yet ended, in start order. */
export class OpenSpans implements SpanProcessor {
  private readonly open = new Set<Span>()

  onStart(span: Span, _parentContext: Context): void {
    this.open.add(span)
    if (this.open.size > MAX_OPEN_SPANS) this.open.delete(this.open.values().next().value as Span)
  }

  onEnd(span: ReadableSpan): void {
    this.open.delete(span as Span)
  }

  /** The open spans, oldest first. */
  list(): Span[] {
    return [...this.open]
  }

  forceFlush(): Promise<void> {
    return Promise.resolve()
  }

  shutdown(): Promise<void> {
    this.open.clear()
    return Promise.resolve()
  }
}
