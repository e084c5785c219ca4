import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  FIXTURE_SOURCES,
  decodeFixture,
  encodeFixture,
  fixtureKind,
  toJsonValue,
  wireFromJson,
  writeMissingFixtures,
} from '../fixtures/generate.js'

// Golden wire fixtures (see test/fixtures/README.md). A codec change that alters the bytes on the wire fails here.
const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url))

// Opt-in: OUTPOST_WRITE_FIXTURES=1 npx vitest run test/protocol/golden.test.ts adds fixtures not yet on disk.
const written = process.env.OUTPOST_WRITE_FIXTURES === '1' ? writeMissingFixtures(FIXTURES_DIR) : []
if (written.length > 0) console.log(`wrote fixtures: ${written.join(', ')}`)

const fixtureNames = readdirSync(FIXTURES_DIR)
  .filter((file) => file.endsWith('.cbor'))
  .map((file) => file.slice(0, -'.cbor'.length))
  .sort()

function load(name: string): { bytes: Uint8Array; json: unknown } {
  const bytes = new Uint8Array(readFileSync(path.join(FIXTURES_DIR, `${name}.cbor`)))
  const json: unknown = JSON.parse(readFileSync(path.join(FIXTURES_DIR, `${name}.json`), 'utf8'))
  return { bytes, json }
}

describe('golden fixtures', () => {
  it('exist for every fixture source', () => {
    expect(fixtureNames).toEqual(expect.arrayContaining(FIXTURE_SOURCES.map((source) => source.name)))
  })

  it.each(fixtureNames)('%s decodes to its JSON', (name) => {
    const { bytes, json } = load(name)
    const kind = fixtureKind(name)
    expect(toJsonValue(kind, decodeFixture(kind, bytes))).toEqual(json)
  })

  it.each(fixtureNames)('%s is exactly what the encoder writes for its JSON', (name) => {
    const { bytes, json } = load(name)
    const kind = fixtureKind(name)
    expect(Buffer.from(encodeFixture(kind, wireFromJson(kind, json))).toString('hex')).toBe(Buffer.from(bytes).toString('hex'))
  })

  it('batch fixtures keep NaN and infinite sample values', () => {
    const { bytes } = load('batch-v1-metrics')
    const values = Array.from((decodeFixture('batch', bytes) as { m: { values: Float64Array } }).m.values)
    expect(values.filter(Number.isNaN)).toHaveLength(1)
    expect(values).toContain(Infinity)
  })
})

describe('writeMissingFixtures', () => {
  it('writes each missing fixture once and never rewrites one', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-fixtures-'))
    try {
      expect(writeMissingFixtures(dir)).toEqual(FIXTURE_SOURCES.map((source) => source.name))
      const ackFile = path.join(dir, 'ack-v1.cbor')
      writeFileSync(ackFile, 'tampered')
      expect(writeMissingFixtures(dir)).toEqual([])
      expect(readFileSync(ackFile, 'utf8')).toBe('tampered')
      rmSync(path.join(dir, 'status-v1.json'))
      expect(() => writeMissingFixtures(dir)).toThrow(/status-v1: only one of .cbor and .json exists/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('writes the same bytes as the committed fixtures', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'outpost-fixtures-'))
    try {
      writeMissingFixtures(dir)
      for (const { name } of FIXTURE_SOURCES) {
        expect(readFileSync(path.join(dir, `${name}.cbor`)).equals(readFileSync(path.join(FIXTURES_DIR, `${name}.cbor`))), name).toBe(true)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
