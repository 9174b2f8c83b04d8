/**
 * Reading an answer of the query API the same way in every client (the CLI and the UI): its body as
 * text, then JSON or nothing. Pure and without schemas, so that a UI bundle can take it alone
 * (`@skein/model/answer`).
 */

/**
 * The JSON of an answer's text; `undefined` when the text is empty or not JSON (a proxy's HTML page,
 * a truncated body), so that the caller decides what a missing body means for it.
 */
export function answerJson(text: string): unknown {
  if (!text) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * The `error` object of a refusal's body (ErrorBody), unchecked: an answer from something other than
 * Skein may carry anything there, and each client checks or prints it as it needs.
 */
export function answerError(body: unknown): { code?: unknown; message?: unknown } | undefined {
  return (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
}
