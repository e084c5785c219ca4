import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnOutpost } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'

// A port that is taken stops the program with one line naming the address and the setting (no stack), exit 2.
describe('a listener whose port is taken', () => {
  let busy: Server
  let port: number
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeAll(async () => {
    dir = await tempDir()
    busy = createServer()
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r))
    port = (busy.address() as { port: number }).port
  })
  afterAll(async () => {
    await new Promise((r) => busy.close(r))
    await dir.cleanup()
  })

  const cases: Array<[string, (p: number) => string[], string]> = [
    ['hub MQTT', (p) => ['hub', '--data', 'h1', '--host', '127.0.0.1', '--mqtt-port', String(p), '--http-port', '0'], 'mqttPort'],
    ['hub HTTP', (p) => ['hub', '--data', 'h2', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', String(p)], 'httpPort'],
    ['agent listener', (p) => ['agent', '--data', 'a1', '--hub', 'mqtt://127.0.0.1:1', '--listen', `127.0.0.1:${p}`], 'listen'],
  ]
  for (const [what, args, setting] of cases) {
    it(`${what}: exit 2 with the address and the setting named`, async () => {
      const proc = spawnOutpost(args(port).map((a) => (/^[ha]\d$/.test(a) ? join(dir.dir, a) : a)), {}, dir.dir)
      const code = await proc.exited
      expect(code).toBe(2)
      const out = proc.output()
      expect(out).toContain(`cannot listen on 127.0.0.1:${port} (${setting}): the address is already in use`)
      expect(out).not.toMatch(/^\s+at /m)
    }, 30_000)
  }
})
