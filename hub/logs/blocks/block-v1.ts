import { promisify } from 'node:util'
import { brotliDecompress } from 'node:zlib'
import { decodeStored } from '../../storage/stored-cbor.js'
import { PAGE_ROWS, type DecodedPage } from './block-codec.js'

// Blocks of format 1 (written before per-page meta): one `l-block` row holding a meta section for every row of the
// block (times as deltas, dictionary-coded device, epoch and component, seq, k, level) and the text in pages of
// PAGE_ROWS rows, each section Brotli-compressed:
//
//   u32 sections | u32 length × sections | section × sections   (section 0: CBOR BlockMeta, then CBOR BlockText)
//
// Still read, never written: a search decodes the meta once per block and serves it page by page.

const decompress = promisify(brotliDecompress)

interface BlockMeta {
  ts: number[]
  devs: string[]
  dev: number[]
  eps: string[]
  ep: number[]
  seq: number[]
  k: number[]
  level: number[]
  comps: string[]
  comp: number[]
}

interface BlockText {
  message: string[]
  attrs: Array<Record<string, unknown> | null>
  traceId: Array<string | null>
  spanId: Array<string | null>
}

/** A stored format-1 block: its meta decoded at once, text pages on demand. */
export class BlockV1 {
  private readonly pages = new Map<number, Promise<DecodedPage>>()

  private constructor(private readonly meta: BlockMeta, private readonly sections: Uint8Array[]) {}

  static async decode(bytes: Uint8Array): Promise<BlockV1> {
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const n = view.readUInt32LE(0)
    const sections: Uint8Array[] = []
    let pos = 4 + 4 * n
    for (let i = 0; i < n; i++) {
      const len = view.readUInt32LE(4 + 4 * i)
      sections.push(bytes.subarray(pos, pos + len))
      pos += len
    }
    const meta = decodeStored<BlockMeta>(await decompress(sections[0]))
    let t = 0
    for (let i = 0; i < meta.ts.length; i++) meta.ts[i] = t += meta.ts[i]
    return new BlockV1(meta, sections)
  }

  /** Page `p` (rows p × PAGE_ROWS …) in the format-2 shape. */
  page(p: number): Promise<DecodedPage> {
    let page = this.pages.get(p)
    if (!page) this.pages.set(p, (page = this.decodePage(p)))
    return page
  }

  private async decodePage(p: number): Promise<DecodedPage> {
    const text = decodeStored<BlockText>(await decompress(this.sections[1 + p]))
    const m = this.meta
    const start = p * PAGE_ROWS
    const end = Math.min(m.ts.length, start + PAGE_ROWS)
    return {
      start, devs: m.devs, eps: m.eps, comps: m.comps,
      ts: m.ts.slice(start, end), dev: m.dev.slice(start, end), ep: m.ep.slice(start, end), seq: m.seq.slice(start, end),
      k: m.k.slice(start, end), level: m.level.slice(start, end), comp: m.comp.slice(start, end), ...text,
    }
  }
}
