import { closeSync, openSync, rmSync, writeSync } from 'node:fs'
import { Command } from 'commander'
import { callApi, withApiOptions, type ApiTarget } from '../api-client.js'
import { readDeviceFile } from '../device-file.js'

/** Most devices per request: the hub's bulk limit (POST /v1/devices with a list). */
const BULK_CHUNK = 50_000

/** `add --from FILE`: every device of the file in one request (all or none), tokens to a new file of mode 0600. */
async function addFromFile(o: ApiTarget & { from: string; out?: string; rotate?: boolean }): Promise<void> {
  const entries = readDeviceFile(o.from)
  const out = o.out ?? `${o.from}.tokens.csv`
  // Created first, 'wx' and 0600: another run's tokens are never overwritten (nothing is asked of the hub then), and
  // the tokens, secrets, are readable by their owner only.
  const fd = openSync(out, 'wx', 0o600)
  let written = false
  try {
    const rows = ['id,token']
    for (let k = 0; k < entries.length; k += BULK_CHUNK) {
      const chunk = entries.slice(k, k + BULK_CHUNK).map((e) => ({ ...e, ...(o.rotate ? { rotate: true } : {}) }))
      const r = await callApi(o, 'POST', 'v1/devices', { devices: chunk })
      for (const d of r.devices as Array<{ id: string; token: string }>) rows.push(`${d.id},${d.token}`)
      written = true
      writeSync(fd, rows.splice(0).join('\n') + '\n')
    }
  } finally {
    closeSync(fd)
    if (!written) rmSync(out, { force: true })
  }
  process.stdout.write(`${entries.length} devices provisioned; their tokens (shown nowhere else) are in ${out} (mode 0600)\n`)
}

/** `outpost device add ID` / `list` / `revoke ID` through the API (DESIGN §2). */
export function deviceCommand(): Command {
  const cmd = new Command('device').description('device credentials, through the hub API (admin token)')
  withApiOptions(cmd.command('add').description('create a device and print its token once, or every device of a file (--from)').argument('[id]', 'device id'))
    .option('--rotate', 'give an existing device a new token (the old one stops working)')
    .option('--from <file>', 'CSV (id column, other columns are labels) or YAML list of {id, labels}: all devices in one request')
    .option('--out <file>', 'with --from: where the tokens go, a new file of mode 0600 (default FILE.tokens.csv)')
    .action(async (id: string | undefined, o: ApiTarget & { rotate?: boolean; from?: string; out?: string }) => {
      if (o.from) {
        if (id) throw new Error('give a device id or --from FILE, not both')
        return addFromFile({ ...o, from: o.from })
      }
      if (!id) throw new Error('give a device id, or --from FILE')
      const r = await callApi(o, 'POST', 'v1/devices', { id, ...(o.rotate ? { rotate: true } : {}) })
      process.stdout.write(`Device ${r.id} token (shown once; give it to the agent as --token / OUTPOST_TOKEN):\n${r.token}\n`)
    })
  withApiOptions(cmd.command('list').description('devices with their credential state')).action(async (o: ApiTarget) => {
    const r = await callApi(o, 'GET', 'v1/devices')
    const rows = (r.devices as Array<{ id: string; credentials: string | null; online: boolean; lastSeen: number | null }>).map(
      (d) => `${d.id}\t${d.credentials ?? 'none'}\t${d.online ? 'online' : 'offline'}\t${d.lastSeen ? new Date(d.lastSeen).toISOString() : '-'}`,
    )
    process.stdout.write(['ID\tCREDENTIALS\tSTATE\tLAST SEEN', ...rows].join('\n') + '\n')
  })
  withApiOptions(cmd.command('revoke').description('revoke a device: its session ends at once').argument('<id>', 'device id')).action(async (id: string, o: ApiTarget) => {
    await callApi(o, 'DELETE', `v1/devices/${encodeURIComponent(id)}`)
    process.stdout.write(`Device ${id} revoked\n`)
  })
  return cmd
}
