import { Duplex, Transform, type TransformCallback } from 'node:stream'
import type { Socket } from 'node:net'

/**
 * Reads MQTT fixed headers as bytes pass (MQTT 3.1.1 §2.2.3: remaining length is 1–4 bytes of 7-bit groups)
 * and fails the stream as soon as a packet announces more than `maxBytes`, before the broker's parser buffers it.
 */
export class PacketSizeGuard extends Transform {
  private headerBytes: number[] = []
  private remaining = 0

  constructor(
    private readonly maxBytes: number,
    private readonly onRefused: () => void,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let i = 0
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const skip = Math.min(this.remaining, chunk.length - i)
        this.remaining -= skip
        i += skip
        continue
      }
      this.headerBytes.push(chunk[i++])
      const h = this.headerBytes
      if (h.length < 2) continue
      if ((h[h.length - 1] & 0x80) !== 0) {
        // MQTT-2.2.3: at most four remaining-length bytes; a fourth with its continuation bit is malformed.
        if (h.length - 1 >= 4) return done(new Error('malformed remaining length')) // a protocol error, not a limit
        continue
      }
      let length = 0
      for (let k = h.length - 1; k >= 1; k--) length = length * 128 + (h[k] & 0x7f)
      if (length + h.length > this.maxBytes) return this.refuse(done, `packet of ${length + h.length} bytes is over the limit of ${this.maxBytes}`)
      this.remaining = length
      this.headerBytes = []
    }
    done(null, chunk)
  }

  private refuse(done: TransformCallback, why: string): void {
    this.onRefused()
    done(new Error(why))
  }
}

/** The socket as the broker sees it: reads pass the guard, writes go straight out; closing one closes both. */
export function guardedConnection(socket: Socket, maxBytes: number, onRefused: () => void): Duplex {
  const guard = new PacketSizeGuard(maxBytes, onRefused)
  socket.pipe(guard)
  const conn = Duplex.from({ readable: guard, writable: socket })
  guard.on('error', () => socket.destroy())
  socket.on('error', () => guard.destroy())
  conn.on('close', () => socket.destroy())
  return conn
}
