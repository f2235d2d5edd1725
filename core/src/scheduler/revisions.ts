import { Op } from 'sequelize';
import type { Database } from '../db/index.js';

/** The last plan published for a host: its revision and hash. */
export interface PlanRevision {
  revision: number;
  hash: string;
}

/**
 * Where plan revisions persist, so a restarted core neither resends unchanged plans nor
 * reuses a revision number. Declared by the dispatcher; {@link settingsRevisionStore} keeps one
 * `settings` row per host (`plan:<hostId>` → `{ revision, hash }`).
 */
export interface RevisionStore {
  loadAll(): Promise<Map<number, PlanRevision>>;
  save(changes: ReadonlyMap<number, PlanRevision>): Promise<void>;
  /** Forgets hosts that no longer exist. */
  remove(hostIds: readonly number[]): Promise<void>;
}

const PREFIX = 'plan:';

export function settingsRevisionStore(db: Database): RevisionStore {
  const { Setting } = db.models;
  return {
    async loadAll() {
      const rows = await Setting.findAll({ where: { key: { [Op.like]: `${PREFIX}%` } } });
      const out = new Map<number, PlanRevision>();
      for (const row of rows) {
        const hostId = Number(row.key.slice(PREFIX.length));
        const value = (typeof row.value === 'string' ? JSON.parse(row.value) : row.value) as Partial<PlanRevision> | null;
        if (Number.isInteger(hostId) && value && typeof value.revision === 'number' && typeof value.hash === 'string') {
          out.set(hostId, { revision: value.revision, hash: value.hash });
        }
      }
      return out;
    },
    async save(changes) {
      if (changes.size === 0) return;
      const now = Date.now();
      await db.sequelize.transaction(async (transaction) => {
        for (const [hostId, value] of changes) {
          await Setting.upsert({ key: `${PREFIX}${hostId}`, value: { ...value }, updatedAt: now }, { transaction });
        }
      });
    },
    async remove(hostIds) {
      if (hostIds.length === 0) return;
      await Setting.destroy({ where: { key: hostIds.map((id) => `${PREFIX}${id}`) } });
    },
  };
}

/** In memory, for tests. */
export function memoryRevisionStore(initial: Map<number, PlanRevision> = new Map()): RevisionStore & { rows: Map<number, PlanRevision> } {
  const rows = new Map(initial);
  return {
    rows,
    loadAll: async () => new Map(rows),
    async save(changes) {
      for (const [k, v] of changes) rows.set(k, { ...v });
    },
    async remove(hostIds) {
      for (const id of hostIds) rows.delete(id);
    },
  };
}
