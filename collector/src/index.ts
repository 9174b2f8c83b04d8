export { type Config, loadConfig, OPTIONS } from './config.js'
export { ERR, SkeinError, skeinError } from './errors.js'
export type { LogRow, SpanRow } from './rows.js'
export { LOG_COLUMNS, SPAN_COLUMNS } from './rows.js'
export {
  type Collector,
  type CollectorPlugin,
  type PluginContext,
  type Ports,
  startCollector,
} from './server.js'
