import { User, UserInput, type User as UserApi } from '@prophasis/protocol';
import { Op, type Transaction } from 'sequelize';
import type { Auth } from '../auth.js';
import type { Database, User as UserRow } from '../../db/index.js';
import type { Resource } from '../../http/index.js';
import { ApiErrors, CoreErrors } from '../../kernel/index.js';
import { assertNameFree } from '../../http/index.js';
/**
 * Users (administrators only). Passwords are write-only and checked for strength; changing a
 * password signs that user out everywhere. The last administrator can be neither deleted nor
 * demoted, so the system never locks itself out.
 */
export function usersResource(db: Database, auth: Auth): Resource<UserApi, UserInput> {
  const { User: UserModel, Session } = db.models;

  async function assertOtherAdmin(id: number, tx: Transaction) {
    const others = await UserModel.count({ where: { role: 'admin', id: { [Op.ne]: id } }, transaction: tx });
    if (others === 0) throw ApiErrors.LAST_ADMIN();
  }

  return {
    path: 'users',
    kind: 'user',
    tag: 'users',
    schema: User,
    inputSchema: UserInput,
    model: UserModel,
    searchable: ['name'],
    sortable: ['name', 'role', 'createdAt', 'lastLoginAt', 'id'],
    read: 'admin',
    write: 'admin',
    present: async (rows) =>
      (rows as UserRow[]).map((u) => ({ id: u.id, name: u.name, role: u.role, lastLoginAt: u.lastLoginAt ?? null, createdAt: u.createdAt })),
    summarize: (input) => ({ name: input.name, role: input.role, passwordChanged: input.password !== undefined }),
    async create(input, tx) {
      if (input.password === undefined) throw CoreErrors.VALIDATION('password: required when creating a user', { field: 'password' });
      await assertNameFree(UserModel, input.name, tx);
      const passwordHash = await auth.hashNewPassword(input.password, input.name);
      const row = await UserModel.create({ name: input.name, role: input.role, passwordHash }, { transaction: tx });
      return row.id;
    },
    async update(id, input, tx) {
      await assertNameFree(UserModel, input.name, tx, id);
      const current = await UserModel.findByPk(id, { transaction: tx });
      if (current?.role === 'admin' && input.role !== 'admin') await assertOtherAdmin(id, tx);
      const changes: Partial<{ name: string; role: UserRow['role']; passwordHash: string }> = { name: input.name, role: input.role };
      if (input.password !== undefined) changes.passwordHash = await auth.hashNewPassword(input.password, input.name);
      await UserModel.update(changes, { where: { id }, transaction: tx, individualHooks: true });
      if (input.password !== undefined) await Session.destroy({ where: { userId: id }, transaction: tx });
    },
    async remove(id, tx) {
      const current = await UserModel.findByPk(id, { transaction: tx });
      if (current?.role === 'admin') await assertOtherAdmin(id, tx);
      // Sessions cascade with the user; the audit trail keeps the name (user_id SET NULL).
      await UserModel.destroy({ where: { id }, transaction: tx });
    },
  };
}
