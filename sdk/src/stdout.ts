/**
 * The stdout target of the SDK's log transport, run in pino's worker thread: what `pino/file` does,
 * except that lines captured from `console` are not printed a second time (the console method
 * already printed them, as it always did; they pass through the transport only to reach the
 * collector). Such lines carry `log.iostream` (the OpenTelemetry attribute for the stream a line
 * was written to); nothing else the SDK logs does.
 *
 * Loaded by path (`pino.transport({ target })`): self-contained, no imports from the rest of the SDK.
 */
import { once } from 'node:events'
import pino from 'pino'

/** What marks a line captured from `console`; a JSON-escaped string value can never contain it. */
export const CONSOLE_MARK = '"log.iostream":"'

export default async function stdoutTarget(): Promise<pino.DestinationStream> {
  const destination = pino.destination({ dest: 1, sync: false })
  await once(destination, 'ready')
  const write = destination.write.bind(destination)
  destination.write = (line: string) => (line.includes(CONSOLE_MARK) ? true : write(line))
  return destination
}
