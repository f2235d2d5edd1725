import type { BodyOf } from '@prophasis/protocol';
import type { DatabaseSync } from 'node:sqlite';
import { transaction } from '../store/database.js';

export type Plan = BodyOf<'plan.set'>;

/** The plan in force and the last slot run per entry, kept in the agent's database. */
export interface PlanState {
  load(): { plan: Plan | undefined; lastSlots: Map<string, number> };
  /** Replaces the plan; `lastSlots` holds the slot state of every entry of the new plan. */
  save(plan: Plan, lastSlots: ReadonlyMap<string, number>): void;
  /** Records that `key` ran `slot` (call inside the transaction that stores its result). */
  setLastSlot(key: string, slot: number): void;
}

export function createPlanState(db: DatabaseSync): PlanState {
  db.exec(`
    CREATE TABLE IF NOT EXISTS plan (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL, json TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS plan_slots (key TEXT PRIMARY KEY, last_slot INTEGER NOT NULL);
  `);
  const upsertSlot = db.prepare('INSERT INTO plan_slots (key, last_slot) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET last_slot = excluded.last_slot');
  return {
    load() {
      const row = db.prepare('SELECT json FROM plan WHERE id = 1').get() as { json: string } | undefined;
      const slots = db.prepare('SELECT key, last_slot AS lastSlot FROM plan_slots').all() as { key: string; lastSlot: number }[];
      return { plan: row ? (JSON.parse(row.json) as Plan) : undefined, lastSlots: new Map(slots.map((s) => [s.key, Number(s.lastSlot)])) };
    },
    save(plan, lastSlots) {
      transaction(db, () => {
        db.prepare('INSERT INTO plan (id, revision, json) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, json = excluded.json').run(
          plan.revision,
          JSON.stringify(plan),
        );
        db.exec('DELETE FROM plan_slots');
        for (const [key, slot] of lastSlots) upsertSlot.run(key, slot);
      });
    },
    setLastSlot(key, slot) {
      upsertSlot.run(key, slot);
    },
  };
}
