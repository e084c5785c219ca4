import { Command } from 'commander'
import { callApi, withApiOptions, type ApiTarget } from '../api-client.js'

/** `outpost audit verify`: checks the audit hash chain and signed checkpoints through the API (docs/security.md). */
export function auditCommand(): Command {
  const cmd = new Command('audit').description('the hub audit log, through the hub API (admin token)')
  withApiOptions(cmd.command('verify').description('verify the audit hash chain; exit 1 naming the first broken link')).action(async (o: ApiTarget) => {
    const r = await callApi(o, 'GET', 'v1/audit/verify')
    if (r.ok) {
      process.stdout.write(`Audit log intact: ${r.records} records, ${r.checkpoints} signed checkpoints, verified in ${r.tookMs} ms\n`)
      return
    }
    const b = r.firstBroken
    const where = [`seq ${b.seq}`, b.key ? `key ${b.key}` : '', b.at ? new Date(b.at).toISOString() : ''].filter(Boolean).join(', ')
    process.stdout.write(`Audit log BROKEN at ${where}: ${b.reason}\n${r.records} records verified before it\n`)
    process.exitCode = 1
  })
  return cmd
}
