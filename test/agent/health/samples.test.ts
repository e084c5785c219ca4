import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { builtinHealthKinds, createHealthChecks } from '../../../agent/health/registry.js'
import { silent } from '../../helpers/temp.js'

const folder = (kind: string) => new URL(`../../../agent/health/${kind}/`, import.meta.url)

describe.each(builtinHealthKinds().names())('the %s kind documentation', (kind) => {
  const sample = readFileSync(new URL('sample.yaml', folder(kind)), 'utf8')

  it('has a sample.yaml that the agent accepts as it is', () => {
    const checks = createHealthChecks(parse(sample).health, { log: silent })
    expect(checks.map((c) => c.kind)).toEqual([kind])
  })

  it('embeds the sample in its README', () => {
    const readme = readFileSync(new URL('README.md', folder(kind)), 'utf8')
    expect(readme).toContain('```yaml\n' + sample.trimEnd() + '\n```')
  })
})
