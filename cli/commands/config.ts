import { Command } from 'commander'
import ms from 'ms'
import { ConfigError, resolveSettings } from '../config.js'
import { hubSettings, type HubSettings } from '../hub-settings.js'
import { parseNotificationConfig, receiverNames } from '../../hub/alerts/notifications.js'
import type { NotifierConfig } from '../../hub/alerts/notifiers/registry.js'
import { loadRulesFile } from '../../hub/alerts/provision.js'
import { AlertConfigError } from '../../hub/alerts/rule-schema.js'
import { groupOf, matchRoutes, type Route } from '../../hub/alerts/routing/route-tree.js'

/** `k=v,k2=v2` → labels; a value may hold `=` but not `,`. */
export function parseLabelList(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const i = part.indexOf('=')
    if (i <= 0) throw new ConfigError(`--route: expected name=value pairs separated by commas, got ${JSON.stringify(part)}`)
    labels[part.slice(0, i).trim()] = part.slice(i + 1).trim()
  }
  return labels
}

function countRoutes(r: Route): number {
  return 1 + r.routes.reduce((n, c) => n + countRoutes(c), 0)
}

const fmt = (n: number) => ms(n)

/** DESIGN §2 `outpost config check FILE [--route LABELS]`: validates a hub YAML; prints the route a label set takes. */
export function configCommand(): Command {
  const cmd = new Command('config').description('hub configuration tools')
  cmd
    .command('check')
    .description('validate a hub YAML (settings, notifiers, routes, inhibit rules, rules file); with --route, print where an alert with those labels goes')
    .argument('<file>', 'the hub YAML file')
    .option('--route <labels>', "labels of an alert, e.g. 'severity=critical,device=pump-1,rule=cpu-hot,site=north'")
    .action((file: string, o: { route?: string }) => {
      const s = resolveSettings<HubSettings>(hubSettings, { config: file })
      let summary: string
      try {
        const config = parseNotificationConfig(s.notifiers as NotifierConfig[], { route: s.route, inhibit_rules: s.inhibit_rules, time_intervals: s.time_intervals })
        const rules = s.rules ? loadRulesFile(s.rules) : []
        const receivers = [...receiverNames(config.notifiers)].sort()
        summary = [
          `${file}: ok`,
          `  notifiers: ${config.notifiers.map((n) => n.plugin.name).join(', ')}; receivers: ${receivers.join(', ') || '(none named)'}`,
          config.routing ? `  route tree: ${countRoutes(config.routing.route)} routes, ${config.routing.inhibit.length} inhibit rules` : '  no route: every notifier gets every alert',
          s.rules ? `  rules file ${s.rules}: ${rules.length} rules` : '',
        ]
          .filter(Boolean)
          .join('\n')
        if (o.route !== undefined) {
          if (!config.routing) summary += '\nno route: the alert goes to every notifier'
          else {
            const labels = parseLabelList(o.route)
            for (const r of matchRoutes(config.routing.route, labels)) {
              const g = groupOf(r, labels)
              const extras = [
                r.mute.length ? 'muted in its mute_time_intervals' : '',
                r.active ? 'sent only in its active_time_intervals' : '',
                ...r.escalate.map((e) => `escalates to ${e.receiver} after ${fmt(e.after)}`),
              ].filter(Boolean)
              summary += `\n${r.path} → ${r.receiver}  group ${JSON.stringify(g.labels)}  wait ${fmt(r.groupWait)}, interval ${fmt(r.groupInterval)}, repeat ${fmt(r.repeatInterval)}${extras.length ? `; ${extras.join('; ')}` : ''}`
            }
          }
        }
      } catch (err) {
        throw err instanceof AlertConfigError ? new ConfigError(`${file}: ${err.message}`) : err
      }
      process.stdout.write(summary + '\n')
    })
  return cmd
}
