// DESIGN §9: `POST /v1/ingest` on the agent's local listener, Outpost JSON (docs/ingest.md).
import * as z from 'zod'
import type { InputPlugin } from '../types.js'
import { mountIngest } from './route.js'

export const ingestInputPlugin: InputPlugin<z.ZodObject<{}, z.core.$strict>> = {
  name: 'ingest',
  description: 'Outpost JSON records posted to the local listener (POST /v1/ingest)',
  section: 'listener',
  options: z.strictObject({}),
  create: () => ({ name: 'ingest', mount: (app, ctx) => mountIngest(app, ctx) }),
}
