// DESIGN §1: the one list of anomaly detectors. Add a detector: a folder hub/anomaly/<name>/ (index.ts, README.md,
// sample.yaml) and one line in DETECTORS; test/hub/anomaly/detector.case.ts runs it through the shared suite.
import { Registry } from '../../kit/plugin.js'
import { contextPlugin } from './context/index.js'
import { levelshiftPlugin } from './levelshift/index.js'
import { rarityPlugin } from './rarity/index.js'
import { robustPlugin } from './robust/index.js'
import { seasonalPlugin } from './seasonal/index.js'
import type { DetectorPlugin } from './types.js'

export const DETECTORS = [robustPlugin, seasonalPlugin, levelshiftPlugin, rarityPlugin, contextPlugin] as const

export function builtinDetectors(): Registry<DetectorPlugin> {
  return new Registry<DetectorPlugin>('detector', DETECTORS)
}
