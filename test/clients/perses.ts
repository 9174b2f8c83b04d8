/**
 * Perses' Tempo and Loki clients, as published (@perses-dev/tempo-plugin, @perses-dev/loki-plugin), for
 * the compat tests to call a real collector with. They are installed in this folder, not in a workspace
 * (see package.json here), by the root's `prepare` (`npm install --prefix test/clients`), which a plain
 * `npm install` at the root runs. The Tempo client is loaded from its CommonJS build: its ES build imports
 * names from @perses-dev/core, which is CommonJS, and Node refuses that.
 */
import { createRequire } from 'node:module'
import * as loki from '@perses-dev/loki-plugin/lib/model/loki-client.js'

type TempoClient = typeof import('@perses-dev/tempo-plugin/lib/model/tempo-client.js')

const require = createRequire(import.meta.url)

export const tempo: TempoClient = require('@perses-dev/tempo-plugin/lib/cjs/model/tempo-client.js')
export { loki }
