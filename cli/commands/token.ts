import { Command, Option } from 'commander'
import { callApi, withApiOptions, type ApiTarget } from '../api-client.js'
import { ROLES } from '../../hub/security/roles.js'

/** `outpost token add --role viewer|operator|admin` / `list` / `revoke ID` through the API (DESIGN §2). */
export function tokenCommand(): Command {
  const cmd = new Command('token').description('API and operator tokens, through the hub API (admin token)')
  withApiOptions(cmd.command('add').description('create a token and print it once'))
    .addOption(new Option('--role <role>', 'what the token may do').choices(ROLES).makeOptionMandatory())
    .option('--name <name>', 'token name (also its MQTT username for operators); default: generated')
    .action(async (o: ApiTarget & { role: string; name?: string }) => {
      const r = await callApi(o, 'POST', 'v1/tokens', { role: o.role, ...(o.name ? { name: o.name } : {}) })
      process.stdout.write(`Token ${r.id} (${r.role}; shown once):\n${r.token}\n`)
    })
  withApiOptions(cmd.command('list').description('tokens and their roles (never the secrets)')).action(async (o: ApiTarget) => {
    const r = await callApi(o, 'GET', 'v1/tokens')
    const rows = (r.tokens as Array<{ id: string; role: string; createdAt: number; createdBy: string }>).map(
      (t) => `${t.id}\t${t.role}\t${new Date(t.createdAt).toISOString()}\t${t.createdBy}`,
    )
    process.stdout.write(['ID\tROLE\tCREATED\tBY', ...rows].join('\n') + '\n')
  })
  withApiOptions(cmd.command('revoke').description('revoke a token at once').argument('<id>', 'token id')).action(async (id: string, o: ApiTarget) => {
    await callApi(o, 'DELETE', `v1/tokens/${encodeURIComponent(id)}`)
    process.stdout.write(`Token ${id} revoked\n`)
  })
  return cmd
}
