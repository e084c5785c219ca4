import { writeFileSync } from 'node:fs'
import { Command, Option } from 'commander'
import { callApiText, withApiOptions, type ApiTarget } from '../api-client.js'

/** `outpost report --from --to [--format] [--out FILE]`: the fleet report through the API (docs/reports.md). */
export function reportCommand(): Command {
  const cmd = new Command('report').description('fleet report (availability, SLOs, alerts, incidents, errors, volume) through the hub API')
  return withApiOptions(cmd)
    .option('--from <time>', 'start: ms since epoch, RFC 3339 or relative like -30d', '-30d')
    .option('--to <time>', 'end, likewise', 'now')
    .addOption(new Option('--format <format>', 'json, csv or html').choices(['json', 'csv', 'html']).default('json'))
    .option('--out <file>', 'write the report to this file instead of stdout')
    .action(async (o: ApiTarget & { from: string; to: string; format: string; out?: string }) => {
      const query = new URLSearchParams({ from: o.from, to: o.to, format: o.format })
      const text = await callApiText(o, 'GET', `v1/reports/fleet?${query}`)
      if (o.out) {
        writeFileSync(o.out, text)
        process.stderr.write(`Report written to ${o.out}\n`)
      } else process.stdout.write(text.endsWith('\n') ? text : text + '\n')
    })
}
