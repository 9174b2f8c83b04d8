/**
 * Alerts as a collector plugin: the API routes (registered before the server listens), then at start
 * the provisioning file and the evaluator. It is handed a Db for its queries and an inserter for its two
 * tables (see store.ts), nothing else of storage. Stopped before storage closes, so the outcome of
 * webhooks cut short by the shutdown is still recorded.
 */
import type { Config } from '../config.js'
import type { CollectorPlugin } from '../server.js'
import { createEvaluator, type Evaluator } from './evaluator.js'
import { publicUrlOf } from './evidence.js'
import { provisionRules } from './provision.js'
import { registerAlertRoutes } from './routes.js'
import { createRuleStore, type RuleStore } from './store.js'

export function alertsPlugin(config: Config): CollectorPlugin {
  const webhooks = { allowPrivate: config.alertAllowPrivateWebhooks }
  let store: RuleStore | undefined
  let evaluator: Evaluator | undefined
  return {
    name: 'alerts',
    routes(app, { db, inserter }) {
      store = createRuleStore(db, inserter)
      registerAlertRoutes(app, store, webhooks)
    },
    async start({ db, inserter, log }) {
      store ??= createRuleStore(db, inserter)
      if (config.alertRulesFile) {
        const n = await provisionRules(store, config.alertRulesFile, webhooks)
        log(
          'info',
          `alerts: ${config.alertRulesFile}: ${n.created} created, ${n.updated} updated, ${n.unchanged} unchanged`,
        )
      }
      evaluator = createEvaluator({
        store,
        db,
        intervalMs: config.alertIntervalMs,
        log,
        notifier: { allowPrivateAddresses: webhooks.allowPrivate },
        publicUrl: publicUrlOf(config),
      })
      await evaluator.start()
    },
    async stop() {
      await evaluator?.stop()
    },
  }
}
