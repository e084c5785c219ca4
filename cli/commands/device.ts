import { Command } from 'commander'
import { callApi, withApiOptions, type ApiTarget } from '../api-client.js'

/** `outpost device add ID` / `list` / `revoke ID` through the API (DESIGN §2). */
export function deviceCommand(): Command {
  const cmd = new Command('device').description('device credentials, through the hub API (admin token)')
  withApiOptions(cmd.command('add').description('create a device and print its token once').argument('<id>', 'device id'))
    .option('--rotate', 'give an existing device a new token (the old one stops working)')
    .action(async (id: string, o: ApiTarget & { rotate?: boolean }) => {
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
