import { describe, expect, it } from 'vitest'
import { slackNotifierPlugin } from '../../../../hub/alerts/notifiers/slack/index.js'
import { pagerDutyNotifierPlugin } from '../../../../hub/alerts/notifiers/pagerduty/index.js'
import { teamsNotifierPlugin } from '../../../../hub/alerts/notifiers/msteams/index.js'
import { telegramNotifierPlugin } from '../../../../hub/alerts/notifiers/telegram/index.js'
import { ntfyNotifierPlugin } from '../../../../hub/alerts/notifiers/ntfy/index.js'
import { webhookNotifierPlugin } from '../../../../hub/alerts/notifiers/webhook/index.js'
import { alertmanagerWebhook, ntfyPublish, pagerDutyEvent, slackPostMessage, slackUpdate, slackWebhook, teamsMessage, telegramSendMessage } from '../../../helpers/service-payloads.js'
import { waitFor } from '../../../helpers/temp.js'
import { MARK, readMarks, serviceHarness } from './channel-harness.js'
import { alertMessage, notifierConformance, type ReceivedAlert } from './notifier.case.js'

const slackText = (b: any) => b.blocks.map((x: any) => x.text?.text ?? '').join('\n')

describe('slack notifier (incoming webhook)', () => {
  notifierConformance((setup) =>
    serviceHarness(setup, {
      plugin: slackNotifierPlugin,
      schema: slackWebhook,
      options: (url, secret) => ({ url: `${url}/services/T0/B0/${secret}`, body: MARK }),
      read: (accepted) => accepted.flatMap((c) => readMarks(slackText(c.body))),
    }),
  )
})

describe('slack notifier (bot token)', () => {
  let ts = 0
  notifierConformance((setup) =>
    serviceHarness(setup, {
      plugin: slackNotifierPlugin,
      schema: slackPostMessage.or(slackUpdate),
      options: (url, secret) => ({ token: `xoxb-${secret}`, channel: 'C0OPS', apiUrl: `${url}/api`, body: MARK }),
      answer: (path, body) => ({ status: 200, json: path.endsWith('chat.postMessage') ? { ok: true, channel: body.channel, ts: `1700000000.${String(++ts).padStart(6, '0')}` } : { ok: true, channel: body.channel, ts: body.ts } }),
      read: (accepted) => accepted.flatMap((c) => readMarks(slackText(c.body))),
    }),
  )
})

describe('pagerduty notifier', () => {
  notifierConformance((setup) =>
    serviceHarness(setup, {
      plugin: pagerDutyNotifierPlugin,
      schema: pagerDutyEvent,
      options: (url, secret) => ({ routingKey: secret, url: `${url}/v2/enqueue` }),
      answer: (_p, body) => ({ status: 202, json: { status: 'success', message: 'Event processed', dedup_key: body.dedup_key } }),
      read: (accepted) =>
        accepted.map((c): ReceivedAlert => (c.body.event_action === 'trigger' ? { id: c.body.dedup_key, state: 'firing', device: c.body.payload.source, value: c.body.payload.custom_details.value } : { id: c.body.dedup_key, state: 'resolved' })),
    }),
  )
})

describe('msteams notifier', () => {
  notifierConformance((setup) =>
    serviceHarness(setup, {
      plugin: teamsNotifierPlugin,
      schema: teamsMessage,
      options: (url, secret) => ({ url: `${url}/workflows/${secret}/triggers/manual/paths/invoke`, body: MARK }),
      read: (accepted) => accepted.flatMap((c) => readMarks(c.body.attachments[0].content.body.map((e: any) => e.text ?? '').join('\n'))),
    }),
  )
})

describe('telegram notifier', () => {
  notifierConformance((setup) =>
    serviceHarness(setup, {
      plugin: telegramNotifierPlugin,
      schema: telegramSendMessage,
      options: (url, secret) => ({ token: `123456:${secret}`, chatId: -1001234, apiUrl: url, body: MARK }),
      answer: () => ({ status: 200, json: { ok: true, result: { message_id: 1 } } }),
      read: (accepted) => accepted.flatMap((c) => readMarks(c.body.text)),
    }),
  )
})

describe('ntfy notifier', () => {
  notifierConformance((setup) =>
    serviceHarness(setup, {
      plugin: ntfyNotifierPlugin,
      schema: ntfyPublish,
      options: (url, secret) => ({ url, topic: 'outpost-alerts', token: `tk_${secret}`, body: MARK }),
      read: (accepted) => accepted.flatMap((c) => readMarks(c.body.message)),
    }),
  )
})

describe('webhook notifier, Alertmanager v4 payload', () => {
  notifierConformance((setup) =>
    serviceHarness(setup, {
      plugin: webhookNotifierPlugin,
      schema: alertmanagerWebhook,
      options: (url, secret) => ({ url: `${url}/am?token=${secret}`, payload: 'alertmanager' }),
      read: (accepted) =>
        accepted.flatMap((c) =>
          c.body.alerts.map((a: any): ReceivedAlert => ({
            id: a.generatorURL.split('/').pop(),
            state: a.status,
            device: a.labels.device,
            ...(a.status === 'resolved' ? { endsAt: Date.parse(a.endsAt) } : {}),
          })),
        ),
    }),
  )
})

describe('service specifics', () => {
  it('pagerduty: trigger then resolve carry one dedup_key; acknowledge in between; severities mapped', async () => {
    const h = await serviceHarness(
      { secret: 'rk-0123456789abcdef0123456789abcd', log: () => {} },
      { plugin: pagerDutyNotifierPlugin, schema: pagerDutyEvent, options: (url, secret) => ({ routingKey: secret, url: `${url}/v2/enqueue` }), read: () => [] },
    )
    try {
      await h.notifier.start?.()
      const firing = alertMessage({ id: 'a-pd-1', severity: 'critical' })
      await h.notifier.notify({ incident: 'i-1', alerts: [firing] })
      await h.notifier.acknowledge!(firing)
      await h.notifier.notify({ incident: 'i-1', alerts: [alertMessage({ id: 'a-pd-1', state: 'resolved', endsAt: 1764600060000 })] })
      await waitFor(() => h.receiver.accepted.length >= 3, 10_000, 'three events')
      expect(h.receiver.invalid).toEqual([])
      expect(h.receiver.accepted.map((c) => c.body.event_action)).toEqual(['trigger', 'acknowledge', 'resolve'])
      expect(new Set(h.receiver.accepted.map((c) => c.body.dedup_key))).toEqual(new Set(['a-pd-1']))
      expect(h.receiver.accepted[0].body.payload.severity).toBe('critical')
    } finally {
      await h.close()
    }
  })

  it('a 429 with Retry-After: 2 is honoured (slack webhook)', async () => {
    const h = await serviceHarness({ secret: 'x', log: () => {} }, { plugin: slackNotifierPlugin, schema: slackWebhook, options: (url) => ({ url: `${url}/hook`, body: MARK }), read: (a) => a.flatMap((c) => readMarks(slackText(c.body))) })
    try {
      await h.notifier.start?.()
      h.receiver.failNext(1, 429, '2')
      await h.notifier.notify({ incident: null, alerts: [alertMessage()] })
      await waitFor(() => h.received().length >= 1, 15_000, 'delivery after Retry-After')
      const [limited, delivered] = h.receiver.calls
      expect(limited.status).toBe(429)
      expect(delivered.at - limited.at).toBeGreaterThanOrEqual(2000)
      expect(h.receiver.calls).toHaveLength(2)
    } finally {
      await h.close()
    }
  })

  it('slack bot: the resolve updates the message the firing posted', async () => {
    const h = await serviceHarness(
      { secret: 'x', log: () => {} },
      {
        plugin: slackNotifierPlugin,
        schema: slackPostMessage.or(slackUpdate),
        options: (url) => ({ token: 'xoxb-1', channel: 'C1', apiUrl: `${url}/api` }),
        answer: (path, body) => ({ status: 200, json: { ok: true, channel: body.channel, ts: path.endsWith('postMessage') ? '1700000000.000100' : body.ts } }),
        read: () => [],
      },
    )
    try {
      await h.notifier.start?.()
      await h.notifier.notify({ incident: 'i-9', alerts: [alertMessage()] })
      await h.notifier.notify({ incident: 'i-9', alerts: [alertMessage({ state: 'resolved', endsAt: 1764600060000 })] })
      await waitFor(() => h.receiver.accepted.length >= 2, 10_000, 'post and update')
      expect(h.receiver.accepted.map((c) => c.path)).toEqual(['/api/chat.postMessage', '/api/chat.update'])
      expect(h.receiver.accepted[1].body).toMatchObject({ channel: 'C1', ts: '1700000000.000100' })
      expect(h.receiver.calls[0].headers.authorization).toBe('Bearer xoxb-1')
    } finally {
      await h.close()
    }
  })
})
