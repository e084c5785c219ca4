import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

/** What a checkpoint signs: the chain's position and hash at a time. */
export interface Checkpoint {
  seq: number
  hash: string
  at: number
  /** Ed25519 signature of checkpointPayload, base64. */
  sig: string
}

export function checkpointPayload(c: Omit<Checkpoint, 'sig'>): Buffer {
  return Buffer.from(`outpost-audit-checkpoint-v1\n${c.seq}\n${c.hash}\n${c.at}`)
}

/**
 * The hub's audit signing key (Ed25519, node:crypto), kept as a PKCS#8 PEM file (mode 0600) in the data directory and
 * made on first start. Whoever can rewrite the store without this key cannot forge a checkpoint.
 */
export class AuditSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    readonly publicKey: KeyObject,
  ) {}

  static openOrCreate(file: string): AuditSigner {
    if (!existsSync(file)) {
      const { privateKey } = generateKeyPairSync('ed25519')
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' })
    }
    const privateKey = createPrivateKey(readFileSync(file))
    return new AuditSigner(privateKey, createPublicKey(privateKey))
  }

  sign(c: Omit<Checkpoint, 'sig'>): Checkpoint {
    return { ...c, sig: sign(null, checkpointPayload(c), this.privateKey).toString('base64') }
  }

  verify(c: Checkpoint): boolean {
    return verify(null, checkpointPayload(c), this.publicKey, Buffer.from(c.sig, 'base64'))
  }

  publicKeyPem(): string {
    return this.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }
}
