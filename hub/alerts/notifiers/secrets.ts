// Issue 17: secrets in the hub YAML come from files or the environment, never written in the file itself:
// `password_file: /run/secrets/smtp` (or `passwordFile`) reads the file into `password`; `${SLACK_TOKEN}` in any
// string is replaced by that variable. A missing file or variable names its key; values are never logged.
import { readFileSync } from 'node:fs'
import { OptionsError, joinKey } from '../../../kit/options.js'

const ENV = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

export function resolveSecrets(value: unknown, key: string, env: NodeJS.ProcessEnv = process.env): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV, (_, name: string) => {
      const v = env[name]
      if (v === undefined) throw new OptionsError(key, `environment variable ${name} is not set`)
      return v
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, `${key}[${i}]`, env))
  if (!value || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const m = /^(.+?)(_file|File)$/.exec(k)
    if (m && typeof v === 'string') {
      const target = m[1].replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())
      try {
        out[target] = readFileSync(resolveSecrets(v, joinKey(key, k), env) as string, 'utf8').trim()
      } catch (err) {
        throw new OptionsError(joinKey(key, k), `cannot read secret file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
      }
    } else out[k] = resolveSecrets(v, joinKey(key, k), env)
  }
  return out
}
