import { isIP, type Socket } from 'node:net'
import { Command, IPv4ProxyAddress, IPv6ProxyAddress, V1ProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js'

/** PROXY protocol v2 signature (haproxy's proxy-protocol.txt §2.2). */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])
const V1_PREFIX = Buffer.from('PROXY ')
/** v1: a line of at most 107 bytes with its CRLF (§2.1). */
const V1_MAX = 107
/** v2: 16 fixed bytes, then at most 65535 of addresses and TLVs; more than this is not from a load balancer of ours. */
const V2_MAX = 16 + 4096

export interface ProxyHeader {
  /** The client's address as the load balancer saw it; undefined for a LOCAL (health check) or UNKNOWN header. */
  address?: string
  /** Bytes after the header: the start of the MQTT stream. */
  rest: Buffer
}

export class ProxyHeaderError extends Error {}

/** Length of the complete header at the start of `buf`; 0 while more bytes are needed; throws if it cannot be one. */
export function proxyHeaderLength(buf: Buffer): number {
  if (buf[0] === V2_SIGNATURE[0] && buf[1] === V2_SIGNATURE[1]) {
    const have = Math.min(buf.length, V2_SIGNATURE.length)
    if (!buf.subarray(0, have).equals(V2_SIGNATURE.subarray(0, have))) throw new ProxyHeaderError('not a PROXY v2 signature')
    if (buf.length < 16) return 0
    const total = 16 + buf.readUInt16BE(14)
    if (total > V2_MAX) throw new ProxyHeaderError(`PROXY v2 header of ${total} bytes is over ${V2_MAX}`)
    return buf.length >= total ? total : 0
  }
  const have = Math.min(buf.length, V1_PREFIX.length)
  if (!buf.subarray(0, have).equals(V1_PREFIX.subarray(0, have))) throw new ProxyHeaderError('connection does not start with a PROXY protocol header')
  const end = buf.indexOf('\r\n')
  if (end >= 0 && end + 2 <= V1_MAX) return end + 2
  if (end >= 0 || buf.length >= V1_MAX) throw new ProxyHeaderError(`PROXY v1 line longer than ${V1_MAX} bytes`)
  return 0
}

/** The client address a complete header carries (proxy-protocol-js parses both versions). */
export function parseProxyHeader(header: Buffer): string | undefined {
  try {
    if (header[0] === V2_SIGNATURE[0]) {
      const v2 = V2ProxyProtocol.parse(header)
      if (v2.command === Command.LOCAL) return undefined
      const a = v2.proxyAddress
      if (a instanceof IPv4ProxyAddress) return a.sourceAddress.address.join('.')
      if (a instanceof IPv6ProxyAddress) return ipv6(a.sourceAddress.address)
      return undefined
    }
    const line = header.toString('latin1')
    if (line.startsWith('PROXY UNKNOWN')) return undefined
    const address = V1ProxyProtocol.parse(line).source.ipAddress
    if (isIP(address) === 0) throw new Error(`source ${JSON.stringify(address)} is not an IP address`)
    return address
  } catch (err) {
    throw new ProxyHeaderError(`bad PROXY header: ${(err as Error).message}`)
  }
}

function ipv6(bytes: number[]): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16))
  return groups.join(':')
}

/**
 * Reads the PROXY protocol header a load balancer (HAProxy `send-proxy`/`send-proxy-v2`) writes before the client's
 * bytes; rejects a connection that does not start with one, so no client can claim another's address.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number): Promise<ProxyHeader> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0)
    const finish = (err: Error | undefined, header?: ProxyHeader) => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('close', onClose)
      if (err) reject(err)
      else resolve(header!)
    }
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      let length: number
      try {
        length = proxyHeaderLength(buf)
        if (length === 0) return
        socket.pause()
        finish(undefined, { address: parseProxyHeader(buf.subarray(0, length)), rest: buf.subarray(length) })
      } catch (err) {
        finish(err as Error)
      }
    }
    const onClose = () => finish(new ProxyHeaderError('closed before its PROXY header'))
    const timer = setTimeout(() => finish(new ProxyHeaderError(`no PROXY header within ${timeoutMs} ms`)), timeoutMs)
    socket.on('data', onData)
    socket.on('close', onClose)
  })
}
