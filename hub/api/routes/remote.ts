import { Hono } from 'hono'
import { z } from 'zod'
import { COMMAND_NAMES } from '../../../protocol/commands.js'
import { LABEL_NAME, MAX_LABELS } from '../../remote/device-labels.js'
import { RemoteError, type RemoteService } from '../../remote/remote-service.js'
import { actorOf } from '../actor.js'
import { ApiError } from '../errors.js'
import { jsonBody } from './credential-body.js'

export interface RemoteRouteDeps {
  remote: RemoteService
  /** Every device the hub knows: seen or given credentials. */
  knownDevices: () => string[]
}

const MAX_COMMAND_TIMEOUT_MS = 300_000
export const configBody = z.object({ config: z.record(z.string(), z.unknown()) }).strict()
export const labelsBody = z.object({ labels: z.record(z.string().regex(LABEL_NAME, 'label names match [A-Za-z_][A-Za-z0-9_.-]{0,63}'), z.string().max(256)) }).strict()
export const commandBody = z
  .object({
    name: z.enum(COMMAND_NAMES),
    args: z.record(z.string(), z.unknown()).optional(),
    timeout: z.number().int().min(100).max(MAX_COMMAND_TIMEOUT_MS).default(10_000),
  })
  .strict()

const asApi = (err: unknown): never => {
  if (err instanceof RemoteError) throw new ApiError(err.status, err.code, err.message)
  throw err
}

/** `selector=label.K=V[,label.K2=V2]` → `{K: V, K2: V2}`; a 400 naming the selector otherwise. */
export function parseSelector(selector: string | undefined): Record<string, string> {
  if (!selector) throw new ApiError(400, 'bad_request', 'selector: required, e.g. selector=label.site=plant-3')
  const out: Record<string, string> = {}
  for (const part of selector.split(',')) {
    const m = /^label\.([^=]+)=(.*)$/.exec(part.trim())
    if (!m || !LABEL_NAME.test(m[1])) throw new ApiError(400, 'bad_request', `selector: "${part}" is not label.NAME=VALUE`)
    out[m[1]] = m[2]
  }
  return out
}

/** Device routes of remote configuration, labels and commands (DESIGN §7; docs/agent.md). */
export function remoteDeviceRoutes({ remote, knownDevices }: RemoteRouteDeps) {
  const known = (id: string) => {
    if (!knownDevices().includes(id)) throw new ApiError(404, 'not_found', `device "${id}" not found`)
    return id
  }
  return new Hono()
    .get('/:id/config', (c) => {
      const id = known(c.req.param('id'))
      return c.json(remote.configs.get(id) ?? { device: id })
    })
    .put('/:id/config', async (c) => {
      const id = known(c.req.param('id'))
      const body = await jsonBody(c, configBody)
      const [record] = await remote.putConfig([id], body.config, actorOf(c)).catch(asApi)
      return c.json(record)
    })
    .put('/:id/labels', async (c) => {
      const id = known(c.req.param('id'))
      const body = await jsonBody(c, labelsBody)
      if (Object.keys(body.labels).length > MAX_LABELS) throw new ApiError(400, 'bad_request', `labels: at most ${MAX_LABELS}`)
      await remote.labels.set(id, body.labels)
      return c.json({ id, labels: body.labels })
    })
    .post('/:id/commands', async (c) => {
      const id = known(c.req.param('id'))
      const body = await jsonBody(c, commandBody)
      const record = await remote.sendCommand(id, body.name, body.args, body.timeout, actorOf(c)).catch(asApi)
      // A timeout is an outcome like a reply: 200 with state "timeout", so the audit log records it as well.
      return c.json(record)
    })
    .get('/:id/commands', async (c) => c.json({ commands: await remote.commands.list(known(c.req.param('id')), 100) }))
    .get('/:id/commands/:cmd', async (c) => {
      const record = await remote.commands.get(known(c.req.param('id')), c.req.param('cmd'))
      if (!record) throw new ApiError(404, 'not_found', `command "${c.req.param('cmd')}" not found`)
      return c.json(record)
    })
}

/** `PUT /v1/config?selector=label.K=V`: one configuration for every device whose labels match. */
export function fleetConfigRoutes({ remote, knownDevices }: RemoteRouteDeps) {
  return new Hono().put('/', async (c) => {
    const selector = c.req.query('selector')
    const matchers = parseSelector(selector)
    const body = await jsonBody(c, configBody)
    const devices = remote.labels.matching(knownDevices(), matchers)
    const records = await remote.putConfig(devices, body.config, actorOf(c), selector).catch(asApi)
    return c.json({ selector, matched: devices.length, devices: records.map((r) => ({ device: r.device, version: r.desired!.version })) })
  })
}
