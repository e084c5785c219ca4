import type { Aedes } from 'aedes'
import { z } from 'zod'
import { topics } from '../../../../protocol/topics.js'
import type { AlertMessage } from '../../types.js'
import type { Notifier, NotifierContext, NotifierPlugin } from '../types.js'

const options = z.object({ kind: z.literal('mqtt').optional(), qos: z.union([z.literal(0), z.literal(1)]).default(1) }).strict()
export type MqttNotifierOptions = z.output<typeof options>

/**
 * DESIGN §3: `outpost/v1/alerts/{severity}/{device}/{rule}` on the hub's own broker. Firing: retained JSON, so a
 * subscriber arriving later sees what is firing. Resolved: a non-retained resolved message, then an empty retained
 * payload that clears the topic.
 */
export const mqttNotifierPlugin: NotifierPlugin<typeof options> = {
  name: 'mqtt',
  description: 'retained JSON on outpost/v1/alerts/{severity}/{device}/{rule} on the hub broker',
  options,
  create(opts, ctx) {
    return new MqttNotifier(opts, ctx)
  },
}

/** A hub condition's rule (`hub:storage_full`) has a colon, which no topic level of an id may: `hub.storage_full`. */
function alertTopic(m: AlertMessage): string {
  return topics.alert(m.severity, m.device, m.rule.replace(/:/g, '.'))
}

interface RetainedStore {
  persistence: { storeRetained(packet: unknown): Promise<void> }
}

export class MqttNotifier implements Notifier {
  readonly name = 'mqtt'

  constructor(
    private readonly opts: MqttNotifierOptions,
    private readonly ctx: NotifierContext,
  ) {}

  async notify(n: { alerts: AlertMessage[] }): Promise<void> {
    for (const m of n.alerts) {
      const topic = alertTopic(m)
      const payload = Buffer.from(JSON.stringify(m))
      if (m.state === 'firing') await this.publish(topic, payload, true)
      else {
        await this.publish(topic, payload, false)
        await this.publish(topic, Buffer.alloc(0), true)
      }
    }
  }

  /** After a restart the broker's retained store is empty: put firing alerts back without delivering them anew. */
  async restore(firing: AlertMessage[]): Promise<void> {
    for (const m of firing) {
      const packet = this.packet(alertTopic(m), Buffer.from(JSON.stringify(m)), true)
      // aedes keeps retained messages in its persistence (memory by default); storing is not publishing.
      await (this.ctx.broker as unknown as RetainedStore).persistence.storeRetained(packet)
    }
  }

  private packet(topic: string, payload: Buffer, retain: boolean): Parameters<Aedes['publish']>[0] {
    return { cmd: 'publish', topic, payload, qos: this.opts.qos, retain, dup: false }
  }

  private publish(topic: string, payload: Buffer, retain: boolean): Promise<void> {
    return new Promise((resolve, reject) => this.ctx.broker.publish(this.packet(topic, payload, retain), (err) => (err ? reject(err) : resolve())))
  }
}
