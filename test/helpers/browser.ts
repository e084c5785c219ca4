import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Debian's chromium (`.ci/run` installs it): playwright-core drives it, no browser download. */
export const CHROMIUM = process.env.OUTPOST_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? '/usr/bin/chromium'

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI and this machine run tests as root, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
}

export interface PageProblems {
  /** Console errors, page errors, failed requests and HTTP errors not expected by the step under way. */
  list: string[]
  /** HTTP error statuses the next step expects (path fragment → status); cleared with `expectNone`. */
  expect(pathPart: string, status: number): void
  /** A request the app itself aborts in the next step (the live stream on sign-out). */
  expectAbort(pathPart: string): void
  expectNone(): void
}

/**
 * Records everything that went wrong in a page: console errors, uncaught exceptions, failed requests (a request
 * the browser aborts while closing the page is not a failure) and HTTP errors, except those a step declared.
 */
export function watchPage(page: Page): PageProblems {
  const list: string[] = []
  let expected: Array<[string, number]> = []
  let aborts: string[] = []
  let closing = false
  page.on('close', () => (closing = true))
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    // Chromium logs every non-2xx fetch as a console error too; those are judged as responses below.
    if (/Failed to load resource: the server responded with a status of (\d+)/.test(m.text())) return
    list.push(`console error: ${m.text()}`)
  })
  page.on('pageerror', (e) => list.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => {
    if (closing) return
    if (r.failure()?.errorText === 'net::ERR_ABORTED' && aborts.some((part) => r.url().includes(part))) return
    list.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`)
  })
  page.on('response', (r) => {
    if (r.status() < 400) return
    const url = r.url()
    if (expected.some(([part, status]) => url.includes(part) && r.status() === status)) return
    list.push(`HTTP ${r.status()}: ${r.request().method()} ${url}`)
  })
  return {
    list,
    expect: (part, status) => expected.push([part, status]),
    expectAbort: (part) => aborts.push(part),
    expectNone: () => {
      expected = []
      aborts = []
    },
  }
}
