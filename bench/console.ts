import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { chromium, type Browser } from 'playwright-core'
import { Hub } from '../hub/hub.js'
import type { DecodedBatch, SeriesDef } from '../protocol/batch.js'

// `npm run bench` section `console` (issue 12): the console in headless chromium against a hub in this process.
// Each figure is the median of RUNS cold loads (a new browser context: no cache, no session), beside the issue's
// goal and beside the time the same API answers take from Node (the part of the page time that is the hub's).

const RUNS = Number(process.env.OUTPOST_BENCH_CONSOLE_RUNS ?? 5)
const TOKEN = 'bench-console-admin-token-0123456789'
const CHROMIUM = process.env.OUTPOST_CHROMIUM ?? '/usr/bin/chromium'
const DIST = fileURLToPath(new URL('../console', import.meta.url))
const DAY = 86_400_000

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Devices as the registry knows them after their births: online, with version and host. */
async function addDevices(hub: Hub, from: number, to: number): Promise<void> {
  const ids: string[] = []
  for (let i = from; i < to; i++) ids.push(`site-${String(Math.floor(i / 100)).padStart(3, '0')}-dev-${String(i % 100).padStart(2, '0')}`)
  for (let k = 0; k < ids.length; k += 500) {
    await Promise.all(ids.slice(k, k + 500).map((id, j) => hub.devices.applyStatus(id, { state: (k + j) % 17 === 0 ? 'offline' : 'online', ep: 'e', at: Date.now(), version: '0.1.0', host: { hostname: id, os: 'linux', arch: 'arm64' } } as never)))
  }
}

const DEVICE_SERIES: SeriesDef[] = [
  { name: 'system_cpu_usage_ratio', type: 'gauge', labels: { cpu: 'total' } },
  { name: 'system_memory_used_bytes', type: 'gauge', labels: {} },
  { name: 'system_filesystem_used_bytes', type: 'gauge', labels: { mount: '/' } },
  { name: 'system_network_receive_bytes_total', type: 'counter', labels: { interface: 'eth0' } },
  { name: 'system_network_transmit_bytes_total', type: 'counter', labels: { interface: 'eth0' } },
  { name: 'system_temperature_celsius', type: 'gauge', labels: { sensor: 'cpu' } },
]

/** Seven days of one sample every 10 s for the six series the device page charts (362,880 samples), then compacted. */
async function addWeekOfData(hub: Hub, device: string, end: number): Promise<number> {
  const step = 10_000
  const start = end - 7 * DAY
  const perBatch = 360 // one hour
  let seq = 0
  let rx = 0
  let tx = 0
  let samples = 0
  for (let t0 = start; t0 < end; t0 += perBatch * step) {
    const n = Math.min(perBatch, Math.floor((end - t0) / step))
    const index = new Uint32Array(n * 6)
    const ts = new Float64Array(n * 6)
    const values = new Float64Array(n * 6)
    for (let i = 0; i < n; i++) {
      const t = t0 + i * step
      const phase = (t / DAY) * 2 * Math.PI
      rx += 20_000 + 15_000 * Math.sin(phase)
      tx += 5_000 + 3_000 * Math.cos(phase)
      const v = [0.35 + 0.25 * Math.sin(phase) + 0.05 * Math.sin(t / 7e5), 1.2e9 + 3e8 * Math.sin(phase / 3), 12e9 + (t - start) / 50, rx, tx, 48 + 8 * Math.sin(phase)]
      for (let s = 0; s < 6; s++) {
        index[i * 6 + s] = s
        ts[i * 6 + s] = t
        values[i * 6 + s] = v[s]
      }
    }
    const batch: DecodedBatch = { v: 1, dev: device, ep: 'bench-week', seq: ++seq, at: t0, m: { series: DEVICE_SERIES, index, ts, values } }
    samples += (await hub.store.ingest(batch)).samples
  }
  await hub.store.compact()
  return samples
}

/** Cold loads of `hash` until `ready` holds in the page; ms from navigation start (the page's own clock). */
/** The API requests the last load made before it was ready (the baseline fetches exactly these). */
let lastApiPaths: string[] = []

async function timeToReady(browser: Browser, url: string, hash: string, ready: () => boolean, signedIn = true): Promise<number[]> {
  const times: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } })
    // A tab whose session holds the token (the console was signed into before): the usual way in.
    if (signedIn) await ctx.addInitScript((t) => {
      sessionStorage.setItem('outpost.token', t)
      sessionStorage.setItem('outpost.identity', JSON.stringify({ name: 'admin', role: 'admin' }))
    }, TOKEN)
    const page = await ctx.newPage()
    await page.goto(`${url}/${hash}`)
    await page.waitForFunction(ready, undefined, { timeout: 60_000, polling: 'raf' })
    times.push(await page.evaluate(() => performance.now()))
    lastApiPaths = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => (e as PerformanceResourceTiming).responseEnd <= performance.now() && e.name.includes('/v1/'))
        .map((e) => e.name.replace(location.origin, '')),
    )
    if (process.env.OUTPOST_BENCH_CONSOLE_TRACE === '1' && run === RUNS - 1) {
      const entries = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => `${e.startTime.toFixed(0).padStart(5)} → ${(e as PerformanceResourceTiming).responseEnd.toFixed(0).padStart(5)}  ${e.name.replace(location.origin, '')}`))
      console.log(`  ${hash} ready at ${times.at(-1)!.toFixed(0)} ms; requests (start → end, ms):\n    ${entries.join('\n    ')}`)
    }
    await ctx.close()
  }
  return times
}

/** With OUTPOST_DOCS_SCREENSHOTS=1: the page as the bench measured it, for docs/console.md. */
async function docsShot(browser: Browser, url: string, hash: string, ready: () => boolean, name: string): Promise<void> {
  if (process.env.OUTPOST_DOCS_SCREENSHOTS !== '1') return
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  await ctx.addInitScript((t) => {
    sessionStorage.setItem('outpost.token', t)
    sessionStorage.setItem('outpost.identity', JSON.stringify({ name: 'admin', role: 'admin' }))
  }, TOKEN)
  const page = await ctx.newPage()
  await page.goto(`${url}/${hash}`)
  await page.waitForFunction(ready, undefined, { timeout: 60_000 })
  await page.waitForTimeout(500)
  const dir = fileURLToPath(new URL('../../docs/img', import.meta.url))
  mkdirSync(dir, { recursive: true })
  await page.screenshot({ path: join(dir, `console-${name}.png`), fullPage: true })
  await ctx.close()
}

/** Node fetching the same answers the page waits for (no rendering): the hub's share of the page time. */
async function apiTime(url: string, paths: string[]): Promise<number> {
  const times: number[] = []
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now()
    await Promise.all(paths.map(async (p) => (await fetch(url + p, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer()))
    times.push(performance.now() - t0)
  }
  return median(times)
}

export function bundleBytes(): { raw: number; gzip: number } {
  const files = [join(DIST, 'index.html'), ...readdirSync(join(DIST, 'assets')).map((f) => join(DIST, 'assets', f))]
  let raw = 0
  let gzip = 0
  for (const f of files) {
    const body = readFileSync(f)
    raw += body.length
    gzip += gzipSync(body, { level: 9 }).length
  }
  return { raw, gzip }
}

export async function benchConsole(dir: string): Promise<Array<[string, string, string, string]>> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error(`no console build at ${DIST}: run npm run build`)
  const rows: Array<[string, string, string, string]> = []
  const { raw, gzip } = bundleBytes()
  rows.push(['first page bundle, gzipped (all of it: one page)', `${(gzip / 1024).toFixed(1)} KB`, '≤ 150 KB', `${(raw / 1024).toFixed(0)} KB raw`])

  const hub = new Hub({ data: join(dir, 'hub'), host: '127.0.0.1', mqttPort: 0, httpPort: 0, insecure: false, adminToken: TOKEN, maxBatchBytes: 1 << 20, compactInterval: 3_600_000, log: () => {} })
  await hub.start()
  const url = `http://127.0.0.1:${hub.httpPort}`
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  try {
    // The fixed cost on this machine: the page and bundle loaded, parsed and the sign-in form drawn (no data asked).
    const shell = median(await timeToReady(browser, url, '#/', () => document.querySelector('#token') !== null, false))
    rows.push(['sign-in page drawn (page and bundle loaded, no API call)', `${shell.toFixed(0)} ms`, '', 'the floor under the figures below'])
    // Usable: the counts are in and the first rows of the list are on screen (data-ready, rows > 0).
    const fleetReady = () => Number(document.querySelector('.vlist[data-ready]')?.getAttribute('data-rows') ?? 0) > 0
    for (const [count, goal] of [
      [1_000, '≤ 1 s'],
      [10_000, '≤ 2 s'],
    ] as const) {
      await addDevices(hub, hub.devices.list().length, count)
      const page = median(await timeToReady(browser, url, '#/fleet', fleetReady))
      const api = await apiTime(url, lastApiPaths)
      if (count === 10_000) await docsShot(browser, url, '#/fleet', fleetReady, 'fleet-10k')
      rows.push([`fleet page usable, ${count.toLocaleString('en')} devices`, `${page.toFixed(0)} ms`, goal, `its ${lastApiPaths.length} API call alone ${api.toFixed(0)} ms; whole list unpaged ${(await apiTime(url, ['/v1/devices'])).toFixed(0)} ms`])
    }

    const device = 'site-000-dev-01'
    const samples = await addWeekOfData(hub, device, Date.now())
    const charts = () => [...document.querySelectorAll('.chart[data-drawn]')].filter((c) => Number(c.getAttribute('data-drawn')) > 0).length >= 6
    const page = median(await timeToReady(browser, url, `#/device/${device}?range=7d`, charts))
    const api = await apiTime(url, lastApiPaths)
    await docsShot(browser, url, `#/device/${device}?range=7d`, charts, 'device-7d')
    rows.push([`device page, 7 d of 10 s data (${samples.toLocaleString('en')} samples), six charts drawn`, `${page.toFixed(0)} ms`, '≤ 1 s', `the page's ${lastApiPaths.length} API calls alone ${api.toFixed(0)} ms`])
  } finally {
    await browser.close()
    await hub.stop()
  }
  return rows
}
