import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { parseSystemOptions } from '../../../agent/collectors/system/index.js'

const dir = new URL('../../../agent/collectors/system/', import.meta.url)

describe('system collector docs', () => {
  it('sample.yaml parses and spells out exactly the defaults', async () => {
    const sample = parse(await readFile(new URL('sample.yaml', dir), 'utf8'))
    expect(parseSystemOptions(sample.collectors.system)).toEqual(parseSystemOptions({}))
  })

  it('README embeds sample.yaml verbatim and names every option and metric', async () => {
    const readme = await readFile(new URL('README.md', dir), 'utf8')
    const sample = await readFile(new URL('sample.yaml', dir), 'utf8')
    expect(readme).toContain('```yaml\n' + sample + '```')
    for (const option of ['perCpu', 'temperature', 'timeoutMs', 'filesystems.excludeTypes', 'network.excludeInterfaces']) {
      expect(readme).toContain(`### \`${option}\``)
    }
    const metrics = [
      'system_cpu_usage_ratio', 'system_load1', 'system_memory_used_bytes', 'system_memory_total_bytes',
      'system_memory_available_bytes', 'system_filesystem_used_bytes', 'system_filesystem_size_bytes',
      'system_network_receive_bytes_total', 'system_network_transmit_bytes_total', 'system_uptime_seconds',
      'system_temperature_celsius',
    ]
    for (const name of metrics) expect(readme).toContain(`| \`${name}\` |`)
  })
})
