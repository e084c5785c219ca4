import { Hono } from 'hono'
import { ApiError } from '../errors.js'
import { assertKnown, readLimit, single } from '../../params.js'
import { badParameter } from '../../metrics/query/errors.js'
import type { AttemptLog } from '../../alerts/notifiers/attempt-log.js'
import type { Notifier } from '../../alerts/notifiers/types.js'

const STATUSES = ['delivered', 'retrying', 'refused', 'dropped']

/** `GET /v1/notifications?alert=&receiver=&status=&limit=`: delivery attempts, newest first (docs/notifications.md). */
export function notificationRoutes(attempts: AttemptLog) {
  return new Hono().get('/', (c) => {
    const params = new URL(c.req.url).searchParams
    assertKnown(params, ['alert', 'receiver', 'status', 'limit'])
    const limit = readLimit(params, 100, 10_000)
    const status = single(params, 'status')
    if (status !== undefined && !STATUSES.includes(status)) throw badParameter('status', status, `expected one of ${STATUSES.join(', ')}`)
    return c.json({ notifications: attempts.list({ alert: single(params, 'alert'), receiver: single(params, 'receiver'), status, limit }) })
  })
}

/** `POST /v1/receivers/{name}/test` (operator): queues a test message through the named receiver. */
export function receiverRoutes(receivers: Map<string, Notifier>, clock: () => number) {
  return new Hono()
    .get('/', (c) => c.json({ receivers: [...receivers.entries()].map(([name, n]) => ({ name, notifier: n.name })) }))
    .post('/:name/test', async (c) => {
      const name = c.req.param('name')
      const receiver = receivers.get(name)
      if (!receiver?.enqueue) throw new ApiError(404, 'not_found', `no receiver "${name}"; receivers: ${[...receivers.keys()].sort().join(', ') || '(none)'}`)
      const now = clock()
      const id = `test-${now}`
      await receiver.enqueue({
        test: true,
        receiver: name,
        notification: {
          incident: null,
          alerts: [{ id, rule: 'outpost-test', device: 'outpost', severity: 'low', state: 'firing', value: null, startsAt: now, endsAt: null, annotations: { summary: `Test message for receiver ${name}` }, labels: {} }],
        },
      })
      return c.json({ queued: true, receiver: name, alert: id }, 202)
    })
}
