import { SEVERITY_LEVELS, type SeverityLevel, severityLevel } from '@skein/model/levels'

/** A log line's level: @skein/model's, which the collector's log volume counts by too. */
export type Level = SeverityLevel

export const LEVELS: readonly Level[] = SEVERITY_LEVELS

/** OpenTelemetry severity numbers come in bands of four (1-4 TRACE ... 21-24 FATAL); text is the fallback. */
export function levelOf(severityNumber: number | undefined, severityText?: string): Level {
  return severityLevel(severityNumber, severityText)
}
