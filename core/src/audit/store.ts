import { Op, type WhereOptions } from 'sequelize';
import type { Database } from '../db/index.js';
import { ApiErrors } from '../kernel/index.js';
import type { AuditStore } from './audit.js';

/** The audit trail on the core's database (table `audit_log`), newest first. */
export function databaseAuditStore(db: Database): AuditStore {
  const { AuditLog } = db.models;
  return {
    async insert(row) {
      await AuditLog.create(row);
    },
    async list(query) {
      const where: WhereOptions = {};
      if (query.user) Object.assign(where, { userName: query.user });
      if (query.action) Object.assign(where, { action: { [Op.like]: `${query.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%` } });
      if (query.targetKind) Object.assign(where, { targetKind: query.targetKind });
      if (query.targetId) Object.assign(where, { targetId: query.targetId });
      if (query.from !== undefined || query.to !== undefined) {
        if (query.from !== undefined && query.to !== undefined && query.from >= query.to) throw ApiErrors.BAD_REQUEST('from must be before to', { field: 'from' });
        Object.assign(where, { at: { ...(query.from !== undefined ? { [Op.gte]: query.from } : {}), ...(query.to !== undefined ? { [Op.lt]: query.to } : {}) } });
      }
      const { rows, count } = await AuditLog.findAndCountAll({ where, order: [['at', 'DESC'], ['id', 'DESC']], limit: query.limit, offset: query.offset });
      return {
        items: rows.map((r) => ({
          id: r.id,
          time: r.at,
          userId: r.userId,
          userName: r.userName,
          action: r.action,
          targetKind: r.targetKind,
          targetId: r.targetId,
          summary: r.summary ?? null,
        })),
        total: count,
        limit: query.limit,
        offset: query.offset,
      };
    },
  };
}
