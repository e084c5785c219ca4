import { connect as netConnect, type Socket } from 'node:net'

/** Hand-built MQTT 3.1.1 packets, for tests that must send what no client library would. */
export function remainingLength(n: number): number[] {
  const out: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    out.push(byte)
  } while (n > 0)
  return out
}

const str = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b])

export function connectPacket(clientId: string, opts: { username?: string; password?: string; keepalive?: number } = {}): Buffer {
  let flags = 0x02 // clean session
  if (opts.username !== undefined) flags |= 0x80
  if (opts.password !== undefined) flags |= 0x40
  const keepalive = opts.keepalive ?? 30
  const body = Buffer.concat([
    str(Buffer.from('MQTT')),
    Buffer.from([0x04, flags, keepalive >> 8, keepalive & 0xff]),
    str(Buffer.from(clientId)),
    ...(opts.username !== undefined ? [str(Buffer.from(opts.username))] : []),
    ...(opts.password !== undefined ? [str(Buffer.from(opts.password))] : []),
  ])
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(body.length)]), body])
}

export function publishPacket(topic: Buffer, payload: Buffer, qos: 0 | 1 | 2 = 0, messageId = 1): Buffer {
  const id = qos > 0 ? Buffer.from([messageId >> 8, messageId & 0xff]) : Buffer.alloc(0)
  const body = Buffer.concat([str(topic), id, payload])
  return Buffer.concat([Buffer.from([0x30 | (qos << 1), ...remainingLength(body.length)]), body])
}

export interface RawConnection {
  socket: Socket
  closed: Promise<void>
  received: () => Buffer
}

/** A socket to the broker; `connectAs` sends CONNECT and waits for a successful CONNACK. */
export async function rawSocket(port: number): Promise<RawConnection> {
  const socket = netConnect(port, '127.0.0.1')
  let data = Buffer.alloc(0)
  socket.on('data', (d) => (data = Buffer.concat([data, d])))
  socket.on('error', () => {})
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return { socket, closed, received: () => data }
}

export async function connectAs(port: number, clientId: string, opts?: Parameters<typeof connectPacket>[1]): Promise<RawConnection> {
  const c = await rawSocket(port)
  c.socket.write(connectPacket(clientId, opts))
  const deadline = Date.now() + 5_000
  while (c.received().length < 4) {
    if (Date.now() > deadline) throw new Error('no CONNACK')
    await new Promise((r) => setTimeout(r, 10))
  }
  const ack = c.received()
  if (ack[0] !== 0x20 || ack[3] !== 0) throw new Error(`CONNACK refused: ${ack.subarray(0, 4).toString('hex')}`)
  return c
}

/** True when the broker closed the connection within `ms`. */
export async function closedWithin(c: RawConnection, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const result = await Promise.race([c.closed.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))])
  clearTimeout(timer)
  return result
}
