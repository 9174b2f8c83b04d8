import { describe, expect, it } from 'vitest'
import { parseRulesYaml } from '../../src/alerts/provision.js'

describe('parseRulesYaml', () => {
  it('reads the rules under "rules:", deriving an id from the name when absent', () => {
    const rules = parseRulesYaml(
      `rules:
  - name: Checkout failing!
    service: checkout
    errorRateAbove: 0.05
    webhookUrl: https://hooks.example.com/T0/B0
  - id: orders-slow
    name: Orders slow
    service: orders
    p95AboveMs: 800
    for: 0s
    webhookUrl: https://hooks.example.com/T0/B1
`,
      'rules.yaml',
    )
    expect(rules.map((r) => [r.id, r.kind])).toEqual([
      ['checkout-failing', 'errorRate'],
      ['orders-slow', 'latency'],
    ])
  })

  it('treats an empty file as no rules', () => {
    expect(parseRulesYaml('', 'rules.yaml')).toEqual([])
  })

  it('names the file, the rule and the field of a bad rule', () => {
    expect(() =>
      parseRulesYaml(
        'rules:\n  - name: A\n    service: a\n    errorRateAbove: 3\n    webhookUrl: http://h/x\n',
        'rules.yaml',
      ),
    ).toThrow('invalid --alert-rules rules.yaml: rule 1 (A): invalid rule field errorRateAbove')
  })

  // Issue 18, item 6: a provisioned rule is a rule too, and may not aim at what the API refuses.
  it('refuses a webhook at a loopback, private or metadata address, naming the file, the rule and the field', () => {
    const file = (url: string) =>
      `rules:\n  - name: A\n    service: a\n    errorRateAbove: 0.1\n    webhookUrl: ${url}\n`
    expect(() => parseRulesYaml(file('http://127.0.0.1:9/hook'), 'rules.yaml')).toThrow(
      /invalid --alert-rules rules.yaml: rule 1 \(A\): invalid rule field webhookUrl: address not allowed \(loopback\)/,
    )
    expect(
      parseRulesYaml(file('http://127.0.0.1:9/hook'), 'rules.yaml', { allowPrivate: true }),
    ).toHaveLength(1)
    expect(() =>
      parseRulesYaml(file('http://169.254.169.254/latest/meta-data/'), 'rules.yaml', { allowPrivate: true }),
    ).toThrow(/webhookUrl: address not allowed \(metadata\)/)
    expect(() => parseRulesYaml(file('https://u:hunter2@hooks.example.com/x'), 'rules.yaml')).toThrow(
      /webhookUrl: must not contain a user name or password/,
    )
  })

  it('refuses two rules with one id, and text that is not YAML', () => {
    const one = '  - {id: a, name: A, service: a, errorRateAbove: 0.1, webhookUrl: "http://h/x"}\n'
    expect(() => parseRulesYaml(`rules:\n${one}${one}`, 'r.yaml')).toThrow(
      /rule 2 \(A\): id "a" appears twice/,
    )
    expect(() => parseRulesYaml('rules: [', 'r.yaml')).toThrow(/not valid YAML/)
  })
})
