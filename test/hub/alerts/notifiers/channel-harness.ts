import { join } from 'node:path'
import { Level } from 'level'
import type { z } from 'zod'
import { parseOptions } from '../../../../kit/options.js'
import { resolveSecrets } from '../../../../hub/alerts/notifiers/secrets.js'
import type { NotifierPlugin, Notifier } from '../../../../hub/alerts/notifiers/types.js'
import type { AttemptRecorder } from '../../../../hub/alerts/notifiers/channel.js'
import { silent, tempDir } from '../../../helpers/temp.js'
import { startServiceReceiver, type ServiceReceiver } from '../../../helpers/service-receiver.js'
import type { HarnessSetup, NotifierHarness, ReceivedAlert } from './notifier.case.js'

/** A body template that names each alert, so a test can read back what a service's format carried. */
export const MARK = '{{#alerts}}[{{id}}|{{state}}|{{device}}|{{value}}|{{endsAt}}]{{/alerts}}'

export function readMarks(text: string): ReceivedAlert[] {
  return [...text.matchAll(/\[([^|\]]+)\|(firing|resolved)\|([^|\]]*)\|([^|\]]*)\|([^|\]]*)\]/g)].map(([, id, state, device, value, endsAt]) => ({
    id,
    state: state as 'firing' | 'resolved',
    device,
    ...(value !== '' && !Number.isNaN(Number(value)) ? { value: Number(value) } : {}),
    ...(endsAt ? { endsAt: Date.parse(endsAt) } : {}),
  }))
}

/** A notifier of `plugin` on a temp LevelDB, configured with `raw` (secrets resolved as the hub does). */
export async function notifierOn(plugin: NotifierPlugin, raw: Record<string, unknown>, log: HarnessSetup['log'] = silent, attempts?: AttemptRecorder) {
  const dir = await tempDir()
  const db = new Level<string, any>(join(dir.dir, 'db'), { valueEncoding: 'json' })
  await db.open()
  const options = parseOptions(plugin.options, resolveSecrets(raw, `notifiers.${plugin.name}`), `notifiers.${plugin.name}`)
  const notifier = plugin.create(options, { broker: undefined as never, db, clock: Date.now, log, attempts })
  return {
    notifier,
    db,
    async close() {
      await notifier.stop?.()
      await db.close()
      await dir.cleanup()
    },
  }
}

/** The conformance harness of an HTTP service notifier: a local receiver that validates `schema`. */
export async function serviceHarness(
  setup: HarnessSetup,
  spec: {
    plugin: NotifierPlugin
    schema: z.ZodType
    options: (url: string, secret: string) => Record<string, unknown>
    read: (accepted: ServiceReceiver['accepted']) => ReceivedAlert[]
    answer?: (path: string, body: any) => { status: number; json?: unknown }
  },
): Promise<NotifierHarness & { receiver: ServiceReceiver; notifier: Notifier }> {
  const receiver = await startServiceReceiver({ schema: spec.schema, answer: spec.answer })
  const n = await notifierOn(spec.plugin, { backoffMin: 20, ...spec.options(receiver.url, setup.secret) }, setup.log)
  return {
    notifier: n.notifier,
    receiver,
    fidelity: 'summary',
    received: () => {
      if (receiver.invalid.length > 0) throw new Error(`payload does not fit the documented shape: ${receiver.invalid[0].issues}`)
      return spec.read(receiver.accepted)
    },
    faults: { failNext: receiver.failNext, calls: () => receiver.calls },
    usesSecret: true,
    async close() {
      await n.close()
      await receiver.close()
    },
  }
}
