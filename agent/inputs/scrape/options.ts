import * as z from 'zod'
import { isValidLabelName } from '../../../protocol/validate.js'
import { durationMs } from '../../../kit/durations.js'

const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** One `scrape:` entry (docs/inputs.md). */
export const scrapeSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  interval: durationMs.default(30_000),
  timeout: durationMs.default(10_000),
  labels: z
    .record(z.string(), z.string())
    .superRefine((labels, ctx) => {
      for (const key of Object.keys(labels)) {
        if (!labelName.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'label names must match [a-zA-Z_][a-zA-Z0-9_]*' })
        else if (!isValidLabelName(key) || key === 'device') ctx.addIssue({ code: 'custom', path: [key], message: 'reserved label name' })
      }
    })
    .default({}),
})

export type ScrapeOptions = z.output<typeof scrapeSchema>
