import { describe, expect, it } from 'vitest'
import { createInputs } from '../../../agent/inputs/registry.js'
import { OptionsError as InputOptionsError } from '../../../kit/options.js'

const configError = (config: Parameters<typeof createInputs>[0]) => {
  try {
    createInputs(config)
  } catch (err) {
    expect(err).toBeInstanceOf(InputOptionsError)
    return (err as InputOptionsError).message
  }
  throw new Error('expected an InputOptionsError')
}

describe('input registry', () => {
  it('builds one input per logs and scrape entry, with defaults filled', () => {
    const inputs = createInputs({
      logs: [{ path: '/var/log/app/*.log', component: 'app' }],
      scrape: [{ url: 'http://127.0.0.1:9100/metrics' }, { url: 'https://exporter.local/metrics', interval: '15s', labels: { job: 'x' } }],
    })
    expect(inputs.map((i) => i.name)).toEqual(['tail:/var/log/app/*.log', 'scrape:http://127.0.0.1:9100/metrics', 'scrape:https://exporter.local/metrics'])
    expect(createInputs({})).toEqual([])
  })

  it('a bad entry names its key, and nothing is built', () => {
    expect(configError({ logs: [{ path: '/a.log', component: 'a' }, { path: '/b.log', component: 'b', parser: 'xml' }] })).toMatch(/^logs\[1\]\.parser: /)
    expect(configError({ logs: [{ path: 'relative.log', component: 'a' }] })).toMatch(/^logs\[0\]\.path: must be an absolute path/)
    expect(configError({ logs: [{ path: '/var/*/app.log', component: 'a' }] })).toMatch(/^logs\[0\]\.path: wildcards are allowed in the file name only/)
    expect(configError({ logs: [{ path: '/a.log', component: 'a', multiline: true }] })).toBe('logs[0].multiline: unknown option')
    expect(configError({ scrape: [{ url: 'ftp://x/metrics' }] })).toMatch(/^scrape\[0\]\.url: /)
    expect(configError({ scrape: [{ url: 'http://x/metrics', interval: 'soon' }] })).toMatch(/^scrape\[0\]\.interval: expected a duration/)
    expect(configError({ scrape: [{ url: 'http://x/metrics', labels: { device: 'd' } }] })).toMatch(/^scrape\[0\]\.labels\.device: reserved label name/)
    expect(configError({ scrape: {} as unknown[] })).toBe('scrape: expected a list')
  })
})
