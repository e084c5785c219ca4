import { afterEach, describe, expect, it } from 'vitest'
import { AdminAuth } from '../../../hub/auth.js'
import { CredentialStore } from '../../../hub/security/credentials.js'
import { LevelCredentialRecords } from '../../../hub/security/level-credential-records.js'
import { levelStoreHarness } from '../../helpers/level-store-harness.js'
import { runCredentialRecordStoreSuite } from './credential-record-store.case.js'

const makeLevelHarness = () => levelStoreHarness((db) => new LevelCredentialRecords(db), 'outpost-credential-store-')

runCredentialRecordStoreSuite('LevelCredentialRecords', makeLevelHarness)

describe('CredentialStore over LevelCredentialRecords', () => {
  let harness: Awaited<ReturnType<typeof makeLevelHarness>> | undefined
  afterEach(async () => harness?.cleanup())

  it('keeps hashes only, in the layout of docs/storage.md, and verifies the same secrets after a reopen', async () => {
    harness = await makeLevelHarness()
    const h = harness
    const admin = new AdminAuth(h.db)
    const open = async () => {
      const credentials = new CredentialStore(h.store, admin, () => 1_000)
      await credentials.open()
      return credentials
    }
    let credentials = await open()
    const secret = await credentials.addDevice('pi-1', 'admin')
    const { token } = await credentials.addToken('viewer', 'admin', 'grafana')
    await credentials.addDevice('pi-2', 'admin')
    await credentials.revokeDevice('pi-2')
    const rows = (prefix: string) => h.db.sublevel<string, any>(prefix, { valueEncoding: 'json' }).iterator().all()
    const stored = JSON.stringify([...(await rows('device-credentials')), ...(await rows('api-tokens'))])
    expect(stored).not.toContain(secret)
    expect(stored).not.toContain(token.slice('grafana.'.length))
    expect((await rows('device-credentials')).map(([key]) => key)).toEqual(['pi-1', 'pi-2'])
    expect((await rows('api-tokens')).map(([key]) => key)).toEqual(['grafana'])

    await h.reopen()
    credentials = await open()
    expect(await credentials.checkDevice('pi-1', secret)).toBe(true)
    expect(await credentials.checkDevice('pi-1', secret + 'x')).toBe(false)
    expect(credentials.isRevoked('pi-2')).toBe(true)
    expect(await credentials.identify(token)).toEqual({ name: 'grafana', role: 'viewer' })
  })
})
