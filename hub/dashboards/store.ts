import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import { StatusError } from '../errors.js'
import { parseDashboard, type Dashboard, type StoredDashboard } from './schema.js'

/**
 * Saved dashboards (DESIGN §7 `/v1/dashboards`) in the hub's LevelDB, one key per dashboard, cached in memory
 * (a hub keeps tens of them, not thousands).
 */
export class DashboardStore {
  private readonly table
  private readonly byId = new Map<string, StoredDashboard>()

  constructor(
    db: Database,
    private readonly clock: () => number,
  ) {
    this.table = table<'dashboards', StoredDashboard>(db, 'dashboards')
  }

  async open(): Promise<void> {
    for await (const [id, d] of this.table.iterator()) this.byId.set(id, d)
  }

  list(): StoredDashboard[] {
    return [...this.byId.values()].sort((a, b) => a.title.localeCompare(b.title))
  }

  get(id: string): StoredDashboard {
    const d = this.byId.get(id)
    if (!d) throw new StatusError(404, 'not_found', `dashboard "${id}" not found`)
    return d
  }

  /** PUT: create or replace. The body's id, when given, must match the path's. */
  async put(id: string, input: unknown, by: string): Promise<{ dashboard: StoredDashboard; created: boolean }> {
    const body = input !== null && typeof input === 'object' && !Array.isArray(input) ? { id, ...(input as object) } : input
    const d = parseDashboard(body)
    if (d.id !== id) throw new StatusError(400, 'invalid', `id: "${d.id}" differs from the path's "${id}"`)
    const created = !this.byId.has(id)
    return { dashboard: await this.save(d, by, false), created }
  }

  async delete(id: string): Promise<void> {
    this.get(id)
    await this.table.del(id)
    this.byId.delete(id)
  }

  /** `--dashboards FILE` at start: each file dashboard replaces the stored one of its id (like `--rules`). */
  async provision(dashboards: Dashboard[]): Promise<void> {
    for (const d of dashboards) await this.save(d, 'provisioning', true)
  }

  private async save(d: Dashboard, by: string, provisioned: boolean): Promise<StoredDashboard> {
    const stored: StoredDashboard = { ...d, updatedAt: this.clock(), updatedBy: by, provisioned }
    await this.table.put(d.id, stored)
    this.byId.set(d.id, stored)
    return stored
  }
}
