import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import type { AlertService } from '../alerts/service.js'
import { AlertOpError } from '../alerts/service.js'
import type { Rule } from '../alerts/rule-schema.js'
import { PAGE_WINDOWS, TICKET_WINDOWS } from '../alerts/rules/slo_burn/schema.js'
import type { SloBurnSource } from '../alerts/rules/slo_burn/evaluator.js'
import { countEvents, type IndicatorDeps } from './indicators.js'
import { parseSlo, type Slo, type StoredSlo } from './schema.js'
import { burnRate, sloStatus, type SloStatus } from './status.js'

/**
 * SLOs (/v1/slos, `--slos FILE`; docs/slo.md): kept in the hub's LevelDB, each with the `slo_burn` rules it generates
 * (`slo.<id>.page`, `slo.<id>.ticket`), which go through the normal alert engine.
 */
export class SloService implements SloBurnSource {
  private readonly table
  private readonly slos = new Map<string, StoredSlo>()
  private alerts?: AlertService

  constructor(
    db: Database,
    private readonly deps: IndicatorDeps,
    private readonly clock: () => number,
  ) {
    this.table = table<'slos', StoredSlo>(db, 'slos')
  }

  async open(alerts: AlertService): Promise<void> {
    this.alerts = alerts
    for await (const slo of this.table.values()) this.slos.set(slo.id, slo)
  }

  list(): StoredSlo[] {
    return [...this.slos.values()].sort((a, b) => a.id.localeCompare(b.id))
  }

  get(id: string): StoredSlo {
    const slo = this.slos.get(id)
    if (!slo) throw new AlertOpError(404, 'not_found', `no SLO "${id}"`)
    return slo
  }

  status(slo: Slo, now = this.clock(), range?: { from: number; to: number }): Promise<SloStatus> {
    return sloStatus(slo, this.deps, now, range)
  }

  async put(input: unknown, mode: 'create' | 'replace', id?: string): Promise<StoredSlo> {
    const { source: _s, updatedAt: _u, status: _st, ...body } = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>
    const slo = parseSlo(input && typeof input === 'object' ? (id !== undefined ? { ...body, id } : body) : input)
    const existing = this.slos.get(slo.id)
    if (mode === 'create' && existing) throw new AlertOpError(409, 'conflict', `SLO "${slo.id}" already exists`)
    if (mode === 'replace' && !existing) throw new AlertOpError(404, 'not_found', `no SLO "${slo.id}"`)
    if (existing?.source === 'file') throw new AlertOpError(409, 'provisioned', `SLO "${slo.id}" comes from the SLO file; change it there`)
    return this.save({ ...slo, source: 'api', updatedAt: this.clock() })
  }

  async delete(id: string): Promise<void> {
    const slo = this.get(id)
    if (slo.source === 'file') throw new AlertOpError(409, 'provisioned', `SLO "${id}" comes from the SLO file; remove it there`)
    await this.remove(id)
  }

  /** SLOs of the file given by `--slos` replace the previous file's. */
  async provision(slos: Slo[]): Promise<void> {
    const ids = new Set(slos.map((s) => s.id))
    for (const old of this.list()) if (old.source === 'file' && !ids.has(old.id)) await this.remove(old.id)
    for (const slo of slos) await this.save({ ...slo, source: 'file', updatedAt: this.clock() })
  }

  async burnRates(id: string, windowsMs: number[], now: number) {
    const slo = this.slos.get(id)
    if (!slo) return undefined
    const out = new Map<number, { burnRate: number | null; total: number }>()
    for (const w of windowsMs) {
      const c = await countEvents(slo.indicator, this.deps, now - w, now)
      out.set(w, { burnRate: burnRate(c.good, c.total, slo.objective), total: c.total })
    }
    return out
  }

  private async save(slo: StoredSlo): Promise<StoredSlo> {
    await this.table.put(slo.id, slo)
    this.slos.set(slo.id, slo)
    await this.alerts?.setSloRules(slo.id, slo.alerting.enabled ? burnRules(slo) : [])
    return slo
  }

  private async remove(id: string): Promise<void> {
    await this.alerts?.setSloRules(id, [])
    await this.table.del(id)
    this.slos.delete(id)
  }
}

/** The SRE workbook's page and ticket alerts of an SLO, as `slo_burn` rules. */
export function burnRules(slo: Slo): Rule[] {
  const common = {
    slo: slo.id,
    minEvents: slo.alerting.minEvents,
    evalInterval: slo.alerting.evalInterval,
    device: '*',
    for: 0,
    labels: { ...slo.labels, slo: slo.id },
    repeatInterval: 4 * 3_600_000,
    groupWait: 0,
    enabled: true,
  }
  return [
    {
      ...common,
      id: `slo.${slo.id}.page`,
      kind: 'slo_burn',
      windows: PAGE_WINDOWS,
      severity: slo.alerting.pageSeverity,
      annotations: { summary: `SLO ${slo.id} burns its error budget fast (burn rate {{value}}): page` },
    },
    {
      ...common,
      id: `slo.${slo.id}.ticket`,
      kind: 'slo_burn',
      windows: TICKET_WINDOWS,
      severity: slo.alerting.ticketSeverity,
      annotations: { summary: `SLO ${slo.id} burns its error budget (burn rate {{value}} over days): ticket` },
    },
  ]
}
