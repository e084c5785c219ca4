// The credential record store's conformance suite (aedes-persistence's abstract.js way): every backend runs it unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ApiToken, CredentialRecordStore, DeviceCredential } from '../../../hub/security/types.js'

export interface CredentialRecordStoreHarness {
  store: CredentialRecordStore
  /** Closes the store and its database and opens them again from disk. */
  reopen(): Promise<CredentialRecordStore>
  cleanup(): Promise<void>
}

const HASH = 'scrypt$16384$8$1$c2FsdA$aGFzaA'
const device = (id: string, extra: Partial<DeviceCredential> = {}): DeviceCredential => ({ id, hash: HASH, createdAt: 1_000, createdBy: 'admin', ...extra })
const token = (id: string, extra: Partial<ApiToken> = {}): ApiToken => ({ id, role: 'viewer', hash: HASH, createdAt: 2_000, createdBy: 'admin', ...extra })

export function runCredentialRecordStoreSuite(name: string, makeHarness: () => Promise<CredentialRecordStoreHarness>): void {
  describe(`CredentialRecordStore conformance: ${name}`, () => {
    let harness: CredentialRecordStoreHarness
    let store: CredentialRecordStore
    beforeEach(async () => {
      harness = await makeHarness()
      store = harness.store
    })
    afterEach(async () => harness.cleanup())
    const reopen = async () => (store = await harness.reopen())

    it('stores a list of devices in one write, all of them; a reopen reads every one', async () => {
      const list = Array.from({ length: 500 }, (_, i) => device(`bulk-${String(i).padStart(3, '0')}`))
      await store.putDevices(list)
      await reopen()
      expect(await store.loadDevices()).toEqual(list)
    })

    it('keeps one token key for good: made on first use, the same bytes after a reopen', async () => {
      const key = await store.tokenKey()
      expect(key).toBeInstanceOf(Buffer)
      expect(key.length).toBe(32)
      expect(await store.tokenKey()).toEqual(key)
      await reopen()
      expect(await store.tokenKey()).toEqual(key)
    })

    it('starts empty', async () => {
      expect(await store.loadDevices()).toEqual([])
      expect(await store.loadTokens()).toEqual([])
    })

    it('reads back device credentials and tokens exactly after a reopen, by id ascending', async () => {
      await store.putDevice(device('pi-2', { revokedAt: 5_000 }))
      await store.putDevice(device('pi-10'))
      await store.putToken(token('ops', { role: 'operator' }))
      await store.putToken(token('grafana'))
      await reopen()
      expect(await store.loadDevices()).toEqual([device('pi-10'), device('pi-2', { revokedAt: 5_000 })])
      expect(await store.loadTokens()).toEqual([token('grafana'), token('ops', { role: 'operator' })])
    })

    it('replaces a record by id (a rotation, a revocation, an un-revocation) without merging fields', async () => {
      await store.putDevice(device('pi-1'))
      await store.putDevice(device('pi-1', { revokedAt: 3_000 }))
      expect(await store.loadDevices()).toEqual([device('pi-1', { revokedAt: 3_000 })])
      await store.putDevice(device('pi-1', { hash: 'scrypt$new', createdAt: 4_000 }))
      await reopen()
      expect(await store.loadDevices()).toEqual([device('pi-1', { hash: 'scrypt$new', createdAt: 4_000 })])
    })

    it('deletes one record and no other; devices and tokens are apart even under one id', async () => {
      await store.putDevice(device('same'))
      await store.putToken(token('same'))
      await store.putDevice(device('other'))
      await store.deleteDevice('same')
      await store.deleteDevice('never-stored')
      await store.deleteToken('never-stored')
      await reopen()
      expect(await store.loadDevices()).toEqual([device('other')])
      expect(await store.loadTokens()).toEqual([token('same')])
      await store.deleteToken('same')
      expect(await store.loadTokens()).toEqual([])
    })

    it('takes concurrent writes without losing any', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `d-${String(i).padStart(2, '0')}`)
      await Promise.all([...ids.map((id) => store.putDevice(device(id))), ...ids.map((id) => store.putToken(token(id)))])
      expect((await store.loadDevices()).map((d) => d.id)).toEqual(ids)
      expect((await store.loadTokens()).map((t) => t.id)).toEqual(ids)
    })
  })
}
