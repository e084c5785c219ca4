// DESIGN §3: messages on `outpost/v1/{device}/cmd` (hub → agent) and `…/cmd/reply` (agent → hub), both CBOR.
// A remote configuration travels retained (one per device, so an agent that was offline gets it on connect); a
// command travels unretained, and the agent answers each command id once (docs/agent.md).
import {
  arrayOf,
  attributes,
  boolean,
  invalid,
  nonNegativeSafeInt,
  oneOf,
  optional,
  plainObject,
  positiveSafeInt,
  readRecord,
  record,
  required,
  string,
  type Check,
  type Shape,
} from './field-checks.js'

export const COMMAND_NAMES = ['ping', 'collect', 'health', 'logs.tail', 'buffer.stats', 'restart'] as const
export type CommandName = (typeof COMMAND_NAMES)[number]

/** Top-level keys a remote configuration may set: the agent's YAML keys of the same names (docs/agent.md). */
export const REMOTE_CONFIG_KEYS = ['interval', 'collectors', 'health', 'logs', 'scrape', 'sampling', 'uplink'] as const
export type RemoteConfigKey = (typeof REMOTE_CONFIG_KEYS)[number]

/** A versioned agent configuration, retained on the device's cmd topic. */
export interface ConfigMessage {
  t: 'config'
  id: string
  version: number
  config: Record<string, unknown>
}

/** A command; `exp` is the hub's wall-clock deadline (ms), after which the agent does not start it. */
export interface CommandMessage {
  t: 'command'
  id: string
  name: CommandName
  args?: Record<string, unknown>
  exp?: number
}

export type CmdMessage = ConfigMessage | CommandMessage

export interface ReplyError {
  /** The config key that was refused (`health[0].url`), when one was. */
  field?: string
  message: string
}

/** The agent's answer to a config: `applied` is the version in force now (the old one when the new was refused). */
export interface ConfigReply {
  t: 'config'
  id: string
  version: number
  ok: boolean
  applied?: number
  error?: ReplyError
  /** Keys of the config that local flags or YAML pin, so the remote value was not used. */
  ignored?: string[]
}

export interface CommandReply {
  t: 'command'
  id: string
  ok: boolean
  result?: Record<string, unknown>
  error?: ReplyError
}

export type CmdReply = ConfigReply | CommandReply

const commandId: Check<string> = (v, p) =>
  typeof v === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(v) ? v : invalid(p, 'must match [A-Za-z0-9._-]{1,64}', v)

const remoteConfig: Check<Record<string, unknown>> = (v, p) => {
  const obj = attributes(v, p)
  for (const key of Object.keys(obj)) {
    if (!(REMOTE_CONFIG_KEYS as readonly string[]).includes(key)) invalid(`${p}.${key}`, `is not remotely configurable (keys: ${REMOTE_CONFIG_KEYS.join(', ')})`, key)
  }
  return obj
}

const replyError = record<ReplyError>({ field: optional(string), message: required(string) })

const CONFIG_SHAPE: Shape<ConfigMessage> = { t: required(oneOf(['config'] as const)), id: required(commandId), version: required(positiveSafeInt), config: required(remoteConfig) }
const COMMAND_SHAPE: Shape<CommandMessage> = {
  t: required(oneOf(['command'] as const)),
  id: required(commandId),
  name: required(oneOf(COMMAND_NAMES)),
  args: optional(attributes),
  exp: optional(nonNegativeSafeInt),
}
const CONFIG_REPLY_SHAPE: Shape<ConfigReply> = {
  t: required(oneOf(['config'] as const)),
  id: required(commandId),
  version: required(positiveSafeInt),
  ok: required(boolean),
  applied: optional(nonNegativeSafeInt),
  error: optional(replyError),
  ignored: optional(arrayOf(string)),
}
const COMMAND_REPLY_SHAPE: Shape<CommandReply> = {
  t: required(oneOf(['command'] as const)),
  id: required(commandId),
  ok: required(boolean),
  result: optional(attributes),
  error: optional(replyError),
}

/** Checks a decoded cmd message field by field; throws DecodeError naming the field. */
export function validateCmdMessage(raw: unknown): CmdMessage {
  const obj = plainObject(raw, 'cmd')
  return obj.t === 'config' ? readRecord(obj, '', CONFIG_SHAPE) : readRecord(obj, '', COMMAND_SHAPE)
}

export function validateCmdReply(raw: unknown): CmdReply {
  const obj = plainObject(raw, 'reply')
  return obj.t === 'config' ? readRecord(obj, '', CONFIG_REPLY_SHAPE) : readRecord(obj, '', COMMAND_REPLY_SHAPE)
}
