import { hubSettingsSchema } from '../hub/settings.js'
import { settingLeaves } from '../kit/settings.js'
import type { Setting } from './config.js'

export type { HubSettings } from '../hub/settings.js'

/** Settings of `outpost hub` (DESIGN §2), from the hub's schema (hub/settings.ts). Apart from cli/settings.ts so that
 *  `outpost agent` loads no hub code (docs/agent.md, footprint). */
export const hubSettings: Setting[] = settingLeaves(hubSettingsSchema)
