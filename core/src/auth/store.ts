import { Op } from 'sequelize';
import type { Database } from '../db/index.js';
import type { AuthStore, AuthUser } from './auth.js';
import type { Role } from '../kernel/index.js';

/** The auth store on the core's database: tables `users` and `sessions` (session id = token hash). */
export function databaseAuthStore(db: Database): AuthStore {
  const { User, Session } = db.models;
  const plain = (u: { id: number; name: string; role: string }): AuthUser => ({ id: u.id, name: u.name, role: u.role as Role });
  return {
    countUsers: () => User.count(),
    async findUserByName(name) {
      const u = await User.findOne({ where: { name } });
      return u ? { ...plain(u), passwordHash: u.passwordHash } : undefined;
    },
    async findUserById(id) {
      const u = await User.findByPk(id);
      return u ? plain(u) : undefined;
    },
    async createUser(user) {
      return plain(await User.create({ name: user.name, role: user.role, passwordHash: user.passwordHash }));
    },
    async createSession(s) {
      await Session.create({ id: s.tokenHash, userId: s.userId, expiresAt: s.expiresAt.getTime() });
    },
    async findSession(tokenHash, now) {
      const s = await Session.findByPk(tokenHash);
      if (!s || s.expiresAt <= now.getTime()) return undefined;
      return { userId: s.userId, expiresAt: new Date(s.expiresAt) };
    },
    async deleteSession(tokenHash) {
      await Session.destroy({ where: { id: tokenHash } });
    },
    deleteExpiredSessions: (now) => Session.destroy({ where: { expiresAt: { [Op.lte]: now.getTime() } } }),
    async touchLogin(userId, at) {
      await User.update({ lastLoginAt: at.getTime() }, { where: { id: userId } });
    },
  };
}
