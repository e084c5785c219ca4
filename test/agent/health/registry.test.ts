import { describe, expect, it } from 'vitest'
import { OptionsError as HealthConfigError } from '../../../kit/options.js'
import { builtinHealthKinds, createHealthChecks, DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from '../../../agent/health/registry.js'
import { silent } from '../../helpers/temp.js'

const ctx = { log: silent }

function configError(config: unknown): HealthConfigError {
  try {
    createHealthChecks(config, ctx)
  } catch (err) {
    if (err instanceof HealthConfigError) return err
    throw err
  }
  throw new Error('expected a HealthConfigError')
}

describe('health check config', () => {
  it('lists the five built-in kinds', () => {
    expect(builtinHealthKinds().names()).toEqual(['command', 'disk', 'http', 'process', 'tcp'])
  })

  it('fills interval and timeout defaults and parses durations', () => {
    const [a, b] = createHealthChecks(
      [
        { name: 'web', kind: 'http', url: 'http://127.0.0.1:8080/healthz' },
        { name: 'db', kind: 'tcp', port: 5432, interval: '1m', timeout: 1500 },
      ],
      ctx,
    )
    expect(a).toMatchObject({ name: 'web', kind: 'http', intervalMs: DEFAULT_INTERVAL_MS, timeoutMs: DEFAULT_TIMEOUT_MS })
    expect(b).toMatchObject({ name: 'db', kind: 'tcp', intervalMs: 60_000, timeoutMs: 1500 })
    expect(createHealthChecks(undefined, ctx)).toEqual([])
  })

  it.each([
    [[{ name: 'a', kind: 'tcp', port: 1 }, { name: 'b', kind: 'tcp', port: 2 }, { name: 'c', kind: 'http', url: 'ftp://x' }], 'health[2].url', /http/],
    [[{ name: 'a', kind: 'http', url: 'http://x', status: [200, 'teapot'] }], 'health[0].status[1]', /expected a status/],
    [[{ name: 'a', kind: 'http', url: 'http://x', bodyMatches: '[' }], 'health[0].bodyMatches', /regular expression/],
    [[{ name: 'a', kind: 'tcp', port: 1, colour: 'red' }], 'health[0].colour', /unknown option/],
    [[{ name: 'a', kind: 'smtp' }], 'health[0].kind', /unknown kind "smtp"; known kinds: command, disk, http, process, tcp/],
    [[{ kind: 'tcp', port: 1 }], 'health[0].name', /.+/],
    [[{ name: 'has space', kind: 'tcp', port: 1 }], 'health[0].name', /must match/],
    [[{ name: 'a', kind: 'tcp', port: 1 }, { name: 'a', kind: 'tcp', port: 2 }], 'health[1].name', /duplicate check name "a"/],
    [[{ name: 'a', kind: 'tcp', port: 1, interval: 'often' }], 'health[0].interval', /expected a duration/],
    [[{ name: 'a', kind: 'tcp', port: 1, interval: '5s', timeout: '10s' }], 'health[0].timeout', /must not be longer than interval/],
    [[{ name: 'a', kind: 'command', command: ['x', 3] }], 'health[0].command[1]', /string/],
    [['tcp'], 'health[0]', /expected a mapping/],
    [{ name: 'a' }, 'health', /expected a list/],
  ])('%j → error naming %s', (config, key, reason) => {
    const err = configError(config)
    expect(err.key).toBe(key)
    expect(err.reason).toMatch(reason)
    expect(err.message.startsWith(`${key}: `)).toBe(true)
  })

  it('creates nothing when a later entry is bad', () => {
    let created = 0
    const tcp = builtinHealthKinds().get('tcp')!
    const registry = builtinHealthKinds().with({ ...tcp, create: (options, context) => (created++, tcp.create(options, context)) })
    expect(() => createHealthChecks([{ name: 'a', kind: 'tcp', port: 1 }, { name: 'b', kind: 'tcp' }], ctx, registry)).toThrow(HealthConfigError)
    expect(created).toBe(0)
  })
})
