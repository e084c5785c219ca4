// DESIGN §9: OTLP/HTTP traces, metrics and logs on the agent's local listener (docs/otlp.md).
import * as z from 'zod'
import type { InputPlugin } from '../types.js'
import { mountOtlp } from './route.js'

export const otlpInputPlugin: InputPlugin<z.ZodObject<{}, z.core.$strict>> = {
  name: 'otlp',
  description: 'OpenTelemetry SDK exports posted to the local listener (POST /v1/traces, /v1/metrics, /v1/logs)',
  section: 'listener',
  options: z.strictObject({}),
  create: () => ({ name: 'otlp', mount: (app, ctx) => mountOtlp(app, ctx) }),
}
