import type { Logger } from '@prophasis/protocol';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Database } from '../db/index.js';
import type { SystemLog } from '../kernel/index.js';
import type { Delivery, DeliveryStore } from './queue.js';
import type { AlertNotice } from './types.js';

/*
 * Pending deliveries in the `alert_deliveries` table (core/src/db/migrations/0003-alert-deliveries.ts),
 * so a restart resumes them. Plain SQL, the same on SQLite and PostgreSQL; `settings` and `notice`
 * are JSON text, times are epoch ms in BIGINT columns.
 */

/** A row of `alert_deliveries` as both dialects return it (the history reads these and more). */
export interface DeliveryRow {
  id: string;
  alert_id: number | string;
  module: string;
  settings: string;
  notice: string;
  attempts: number | string;
  next_at: number | string;
  created_at: number | string;
  last_error: string | null;
}

/** A row as a delivery; throws when its JSON does not parse or the notice is not one. */
function fromRow(row: DeliveryRow): Delivery {
  const settings: unknown = JSON.parse(row.settings);
  const notice = JSON.parse(row.notice) as AlertNotice;
  if (typeof notice !== 'object' || notice === null || typeof notice.alert !== 'object' || notice.alert === null) {
    throw new Error('notice is not an alert notice');
  }
  return {
    id: row.id,
    alertId: Number(row.alert_id),
    module: row.module,
    settings,
    notice,
    attempts: Number(row.attempts),
    nextAt: Number(row.next_at),
    createdAt: Number(row.created_at),
    lastError: row.last_error,
  };
}

const values = (d: Delivery) => ({
  id: d.id,
  alertId: d.alertId,
  module: d.module,
  settings: JSON.stringify(d.settings ?? null),
  notice: JSON.stringify(d.notice),
  attempts: d.attempts,
  nextAt: d.nextAt,
  createdAt: d.createdAt,
  lastError: d.lastError,
});

/** Rows per INSERT (9 parameters each, well under SQLite's 32,766). */
const INSERT_CHUNK = 200;

/**
 * Writes deliveries to `alert_deliveries`, inside `transaction` when given (alerting's intake
 * writes them in the transaction that moves its cursor).
 */
export async function insertDeliveries(sequelize: Sequelize, deliveries: readonly Delivery[], transaction?: Transaction): Promise<void> {
  for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
    const part = deliveries.slice(i, i + INSERT_CHUNK);
    const replacements: Record<string, unknown> = {};
    const rows = part.map((d, n) => {
      for (const [key, value] of Object.entries(values(d))) replacements[`${key}${n}`] = value;
      return `(:id${n}, :alertId${n}, :module${n}, :settings${n}, :notice${n}, :attempts${n}, :nextAt${n}, :createdAt${n}, :lastError${n})`;
    });
    await sequelize.query(`INSERT INTO alert_deliveries (id, alert_id, module, settings, notice, attempts, next_at, created_at, last_error) VALUES ${rows.join(', ')}`, {
      replacements,
      ...(transaction ? { transaction } : {}),
    });
  }
}

/**
 * A durable {@link DeliveryStore} over an open, migrated core database. A row that cannot be read
 * back (JSON that does not parse, a notice without its alert) is skipped by `loadPending` with an
 * error in the log and the system log; it stays in the table for inspection.
 */
export function sequelizeDeliveryStore(db: Pick<Database, 'sequelize'>, deps: { logger: Logger; systemLog?: SystemLog }): DeliveryStore {
  const { sequelize } = db;
  const log = deps.logger.child({ component: 'alerting' });
  return {
    durable: true,

    async add(d) {
      await insertDeliveries(sequelize, [d]);
    },

    async update(d) {
      await sequelize.query(
        `UPDATE alert_deliveries SET alert_id = :alertId, module = :module, settings = :settings, notice = :notice,
           attempts = :attempts, next_at = :nextAt, created_at = :createdAt, last_error = :lastError WHERE id = :id`,
        { replacements: values(d) },
      );
    },

    async remove(id) {
      await sequelize.query('DELETE FROM alert_deliveries WHERE id = :id', { replacements: { id } });
    },

    async finish(d, status, at) {
      await sequelize.query(
        'UPDATE alert_deliveries SET status = :status, finished_at = :at, attempts = :attempts, next_at = :at, last_error = :lastError, notice = :notice WHERE id = :id',
        // The notice with the texts it was sent with (`rendered`, docs/alerts.md "Notification history").
        { replacements: { id: d.id, status, at, attempts: d.attempts, lastError: d.lastError, notice: JSON.stringify(d.notice) } },
      );
    },

    async loadPending() {
      const rows = await sequelize.query<DeliveryRow>(
        "SELECT id, alert_id, module, settings, notice, attempts, next_at, created_at, last_error FROM alert_deliveries WHERE status = 'pending' ORDER BY next_at, created_at, id",
        { type: QueryTypes.SELECT },
      );
      const out: Delivery[] = [];
      for (const row of rows) {
        try {
          out.push(fromRow(row));
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          log.error({ err, deliveryId: row.id, alertId: Number(row.alert_id), module: row.module }, 'a stored alert delivery cannot be read; skipped');
          deps.systemLog?.write('error', 'alerting', `a stored alert delivery cannot be read and is skipped: ${reason}`, {
            deliveryId: row.id,
            alertId: Number(row.alert_id),
            module: row.module,
            reason,
          });
        }
      }
      return out;
    },
  };
}
