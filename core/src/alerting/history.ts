import type { AlertDelivery, AlertDeliveryQuery, PageOf } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import { noticeReason, renderSubject, renderText } from './message.js';
import { recipientsOf } from './recipients.js';
import type { DeliveryRow } from './sequelize-store.js';
import type { AlertNotice } from './types.js';

interface Row extends DeliveryRow {
  status: string;
  finished_at: number | string | null;
}

/**
 * The notification history (docs/alerts.md, "Notification history"): `alert_deliveries`, newest
 * first, with the text every module sends rendered from the stored notice. A row whose JSON does
 * not parse is shown with its error instead of its text.
 */
export async function listDeliveries(db: Pick<Database, 'sequelize'>, q: AlertDeliveryQuery): Promise<PageOf<AlertDelivery>> {
  const where: string[] = [];
  const replacements: Record<string, unknown> = { limit: q.limit, offset: q.offset };
  const filters: [unknown, string, string][] = [
    [q.status, 'status = :status', 'status'],
    [q.alertId, 'alert_id = :alertId', 'alertId'],
    [q.from, 'created_at >= :from', 'from'],
    [q.to, 'created_at < :to', 'to'],
  ];
  for (const [value, sql, key] of filters) {
    if (value === undefined) continue;
    where.push(sql);
    replacements[key] = value;
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const [count] = await db.sequelize.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM alert_deliveries ${clause}`, { type: QueryTypes.SELECT, replacements });
  const rows = await db.sequelize.query<Row>(
    `SELECT id, alert_id, module, settings, notice, attempts, next_at, created_at, last_error, status, finished_at FROM alert_deliveries ${clause} ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset`,
    { type: QueryTypes.SELECT, replacements },
  );
  const items = rows.map((r): AlertDelivery => {
    let notice: AlertNotice | undefined;
    let settings: unknown;
    try {
      notice = JSON.parse(r.notice) as AlertNotice;
      settings = JSON.parse(r.settings);
    } catch {
      notice = undefined;
    }
    const status = r.status === 'delivered' || r.status === 'failed' ? r.status : 'pending';
    const valid = notice !== undefined && typeof notice === 'object' && notice !== null && typeof notice.alert === 'object';
    return {
      id: r.id,
      alertId: Number(r.alert_id),
      alert: valid ? notice!.alert.name : '',
      module: r.module,
      recipients: recipientsOf(r.module, settings),
      status,
      attempts: Number(r.attempts),
      lastError: r.last_error,
      reason: valid ? noticeReason(notice!) : 'transition',
      createdAt: Number(r.created_at),
      finishedAt: r.finished_at === null ? null : Number(r.finished_at),
      nextAt: status === 'pending' ? Number(r.next_at) : null,
      // What was sent (templates applied); a delivery not attempted yet, or stored before templates, in the default words.
      subject: valid ? (notice!.rendered?.subject ?? renderSubject(notice!)) : '(unreadable notice)',
      text: valid ? (notice!.rendered?.text ?? renderText(notice!)) : '(the stored notice cannot be read)',
      hostId: valid && notice!.target.kind === 'host' ? notice!.target.id : null,
      serviceId: valid && notice!.target.kind === 'service' ? notice!.target.id : null,
    };
  });
  return { items, total: Number(count?.n ?? 0), limit: q.limit, offset: q.offset };
}
