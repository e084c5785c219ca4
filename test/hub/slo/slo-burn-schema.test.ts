import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadRulesFile } from '../../../hub/alerts/provision.js'
import { parseRule } from '../../../hub/alerts/rule-schema.js'
import { burnRules } from '../../../hub/slo/service.js'
import { parseSlo } from '../../../hub/slo/schema.js'

describe('slo_burn rule kind', () => {
  it('parses its sample', () => {
    const [rule] = loadRulesFile(join(import.meta.dirname, '../../../hub/alerts/rules/slo_burn/sample.yaml'))
    expect(rule).toMatchObject({ kind: 'slo_burn', slo: 'api-availability', minEvents: 100, evalInterval: 60_000 })
    expect(rule.kind === 'slo_burn' && rule.windows).toEqual([
      { long: 3_600_000, short: 300_000, burnRate: 14.4 },
      { long: 21_600_000, short: 1_800_000, burnRate: 6 },
    ])
  })

  it('names the field of a bad window', () => {
    expect(() => parseRule({ id: 'x', kind: 'slo_burn', slo: 's', windows: [{ long: '5m', short: '1h', burnRate: 2 }] })).toThrow('windows.0.short: short must be shorter than long')
    expect(() => parseRule({ id: 'x', kind: 'slo_burn', slo: 's', windows: [] })).toThrow(/^windows:/)
  })

  it('generates the workbook page and ticket rules of an SLO, which parse as rules', () => {
    const slo = parseSlo({ id: 'api', indicator: { kind: 'availability' }, objective: 0.999, labels: { site: 'north' } })
    const rules = burnRules(slo).map((r) => parseRule(r))
    expect(rules.map((r) => [r.id, r.severity, r.labels])).toEqual([
      ['slo.api.page', 'critical', { site: 'north', slo: 'api' }],
      ['slo.api.ticket', 'medium', { site: 'north', slo: 'api' }],
    ])
  })
})
