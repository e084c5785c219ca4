import mqtt, { type MqttClient } from 'mqtt'
import { decodeAck, encodeBatch } from '../../protocol/codec.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { PROTOCOL_VERSION } from '../../protocol/batch.js'
import { topics } from '../../protocol/topics.js'

export const COUNTER = 'failover_counter'

/**
 * A device as the agent's uplink behaves (docs/delivery.md): batches numbered 1..total, each carrying one sample whose
 * value is its seq, kept until acked, resent after every reconnect; when its hub goes away it moves to the next of
 * the list. Counting what a store holds then finds every loss and every duplicate by value.
 */
export class FailoverDevice {
  private client?: MqttClient
  private readonly unacked = new Map<number, Buffer>()
  private next = 1
  private hubIndex: number
  private stopped = false
  readonly hubsUsed: number[] = []
  reconnects = 0

  constructor(
    readonly id: string,
    private readonly token: string,
    private readonly hubs: () => string[],
    firstHub: number,
    readonly total: number,
    private readonly t0: number,
    private readonly ep = `ep-${id}`,
  ) {
    this.hubIndex = firstHub
  }

  get acked(): number {
    return this.next - 1 - this.unacked.size
  }

  get done(): boolean {
    return this.next > this.total && this.unacked.size === 0
  }

  get hub(): number {
    return this.hubIndex
  }

  async start(): Promise<void> {
    await this.connect()
    void this.pump()
  }

  stop(): void {
    this.stopped = true
    this.client?.end(true)
  }

  private async connect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const url = this.hubs()[this.hubIndex]
      try {
        const client = await mqtt.connectAsync(url, { clientId: this.id, username: this.id, password: this.token, reconnectPeriod: 0, connectTimeout: 5_000 })
        client.on('message', (_topic, payload) => this.onAck(payload))
        await client.subscribeAsync(topics.ack(this.id), { qos: 1 })
        client.on('close', () => {
          if (this.client !== client || this.stopped) return
          this.client = undefined
          this.reconnects++
          this.hubIndex = (this.hubIndex + 1) % this.hubs().length
          void this.connect()
        })
        this.client = client
        this.hubsUsed.push(this.hubIndex)
        // Everything unacked goes again, in order (the hub's dedup makes it exactly-once).
        for (const [, payload] of [...this.unacked].sort((a, b) => a[0] - b[0])) client.publish(topics.telemetry(this.id), payload, { qos: 1 })
        return
      } catch {
        this.hubIndex = (this.hubIndex + 1) % this.hubs().length
        await new Promise((r) => setTimeout(r, 200 + attempt * 50))
      }
    }
  }

  private onAck(payload: Buffer): void {
    const ack = decodeAck(payload)
    if (ack.ep !== this.ep) return
    for (const seq of [...this.unacked.keys()]) {
      if (seq <= ack.seq || (ack.r ?? []).some(([lo, hi]) => seq >= lo && seq <= hi)) this.unacked.delete(seq)
    }
  }

  /**
   * One new batch every ~20 ms while fewer than 20 wait for their ack (the agent's in-flight window); what waited
   * 3 s for its ack is sent again (the agent's ack timeout), in order.
   */
  private async pump(): Promise<void> {
    let resentAt = Date.now()
    while (!this.stopped && this.next <= this.total) {
      const client = this.client
      if (client && Date.now() - resentAt > 3_000) {
        resentAt = Date.now()
        for (const [, payload] of [...this.unacked].sort((a, b) => a[0] - b[0])) client.publish(topics.telemetry(this.id), payload, { qos: 1 })
      }
      if (client && this.unacked.size < 20) {
        const seq = this.next++
        const b = new MetricsBuilder()
        b.add({ name: COUNTER, type: 'counter', labels: {} }, this.t0 + seq * 1000, seq)
        const payload = Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: this.id, ep: this.ep, seq, at: Date.now(), m: b.build() }))
        this.unacked.set(seq, payload)
        client.publish(topics.telemetry(this.id), payload, { qos: 1 })
      }
      await new Promise((r) => setTimeout(r, 20))
    }
    // Unacked batches are resent until acked: an ack lost with a hub is covered by the next connection's resend.
    while (!this.stopped && this.unacked.size > 0) {
      await new Promise((r) => setTimeout(r, 3_000))
      const client = this.client
      if (client) for (const [, payload] of [...this.unacked].sort((a, b) => a[0] - b[0])) client.publish(topics.telemetry(this.id), payload, { qos: 1 })
    }
  }
}
