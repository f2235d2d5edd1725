import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { PresenceStore } from '../presence/index.js';
import { EnrolmentErrors } from './errors.js';
import type { EnrolmentState, HostRef, RegistryStore, StoreConsumeResult, StoredAgent } from './registry.js';

/*
 * The registry and presence store over the core's database (`hosts` and `enrolment_tokens`,
 * core/src/db/migrations/0001-initial.ts). Plain SQL rather than the models: every statement
 * here is a single conditional UPDATE or a keyed SELECT whose exact WHERE clause is the point
 * (single use of tokens, no late timer marking a returned host), and the same SQL runs on
 * SQLite (≥ 3.35 for RETURNING) and PostgreSQL. Times are epoch ms in BIGINT columns.
 */

interface HostRow {
  id: number | string;
  name: string;
  enrolment_state: EnrolmentState;
  agent_id: string | null;
}

interface AgentRow {
  id: number | string;
  agent_id: string;
  secret_hash: string;
  revoked_at: number | string | null;
}

const ms = (v: number | string | null): number | null => (v === null ? null : Number(v));
const date = (v: number | string | null): Date | null => (v === null ? null : new Date(Number(v)));

class Rollback extends Error {
  constructor(readonly result: StoreConsumeResult) {
    super('rollback');
  }
}

/*
 * SQLite: sequelize opens one connection per transaction and node-sqlite3 waits for the write
 * lock (BEGIN IMMEDIATE + busy timeout) on libuv's small thread pool, so a burst of concurrent
 * transactions can starve the one holding the lock. A single core process owns a SQLite file,
 * so its enrolment transactions are queued in-process, per database; PostgreSQL needs no queue.
 */
const sqliteQueues = new WeakMap<Sequelize, Promise<unknown>>();

export function queued<T>(sequelize: Sequelize, work: () => Promise<T>): Promise<T> {
  if (sequelize.getDialect() !== 'sqlite') return work();
  const previous = sqliteQueues.get(sequelize) ?? Promise.resolve();
  const next = previous.then(work, work);
  sqliteQueues.set(sequelize, next.catch(() => undefined));
  return next;
}

/** A {@link RegistryStore} and {@link PresenceStore} over an open core database. */
export function createSequelizeRegistryStore(db: { sequelize: Sequelize }): RegistryStore & PresenceStore {
  const { sequelize } = db;
  const select = <T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) });

  const toAgent = (row: AgentRow): StoredAgent => ({
    agentId: row.agent_id,
    hostId: String(row.id),
    secretHash: row.secret_hash,
    revoked: row.revoked_at !== null,
  });

  return {
    async findOrCreatePendingHost(name) {
      const now = Date.now();
      // ON CONFLICT DO NOTHING: two concurrent `host add` of one name end with one row.
      await sequelize.query(
        `INSERT INTO hosts (name, enrolment_state, created_at, updated_at) VALUES (:name, 'pending', :now, :now) ON CONFLICT (name) DO NOTHING`,
        { replacements: { name, now } },
      );
      const [row] = await select<HostRow>('SELECT id, name, enrolment_state, agent_id FROM hosts WHERE name = :name', { name });
      if (!row) throw EnrolmentErrors.HOST_NOT_FOUND(name);
      return { hostId: String(row.id), name: row.name, state: row.enrolment_state } satisfies HostRef;
    },

    async insertToken({ hostId, tokenHash, expiresAt, createdBy }) {
      const [host] = await select<{ id: number }>('SELECT id FROM hosts WHERE id = :hostId', { hostId: Number(hostId) });
      if (!host) throw EnrolmentErrors.HOST_NOT_FOUND(hostId);
      await sequelize.query(
        'INSERT INTO enrolment_tokens (host_id, token_hash, expires_at, used_at, created_by, created_at) VALUES (:hostId, :tokenHash, :expiresAt, NULL, :createdBy, :now)',
        { replacements: { hostId: Number(hostId), tokenHash, expiresAt: expiresAt.getTime(), createdBy, now: Date.now() } },
      );
    },

    async findToken(tokenHash) {
      const [row] = await select<{ host_id: number; expires_at: number | string; used_at: number | string | null }>(
        'SELECT host_id, expires_at, used_at FROM enrolment_tokens WHERE token_hash = :tokenHash',
        { tokenHash },
      );
      if (!row) return undefined;
      const usedAt = ms(row.used_at);
      return { hostId: String(row.host_id), expiresAt: new Date(Number(row.expires_at)), usedAt: usedAt === null ? null : new Date(usedAt) };
    },

    async consumeToken(tokenHash, now, { agentId, secretHash, facts }) {
      const at = now.getTime();
      try {
        return await queued(sequelize, () => sequelize.transaction(async (transaction) => {
          // The single-use guarantee: only one UPDATE can see used_at IS NULL (PostgreSQL
          // re-checks the WHERE clause after the competing transaction commits).
          const [claimed] = await select<{ host_id: number }>(
            'UPDATE enrolment_tokens SET used_at = :at WHERE token_hash = :tokenHash AND used_at IS NULL AND expires_at > :at RETURNING host_id',
            { at, tokenHash },
            transaction,
          );
          if (!claimed) {
            const [row] = await select<{ used_at: number | null }>('SELECT used_at FROM enrolment_tokens WHERE token_hash = :tokenHash', { tokenHash }, transaction);
            return { ok: false, reason: !row ? 'unknown' : row.used_at !== null ? 'used' : 'expired' } as const;
          }
          const [host] = await select<HostRow>('SELECT id, name, enrolment_state, agent_id FROM hosts WHERE id = :id', { id: claimed.host_id }, transaction);
          if (!host) throw new Rollback({ ok: false, reason: 'unknown' });
          if (host.enrolment_state === 'enrolled') throw new Rollback({ ok: false, reason: 'host_enrolled' });
          await sequelize.query(
            `UPDATE hosts SET agent_id = :agentId, secret_hash = :secretHash, enrolment_state = 'enrolled', revoked_at = NULL,
               connected_since = NULL, unreachable_since = NULL, agent_version = :agentVersion, platform = :platform,
               agent_hostname = :hostname, updated_at = :at WHERE id = :id`,
            {
              replacements: { agentId, secretHash, agentVersion: facts.agentVersion, platform: facts.platform, hostname: facts.hostname, at, id: host.id },
              transaction,
            },
          );
          return { ok: true, hostId: String(host.id), hostName: host.name, previousAgentId: host.agent_id } as const;
        }));
      } catch (err) {
        if (err instanceof Rollback) return err.result;
        throw err;
      }
    },

    async findAgent(agentId) {
      const [row] = await select<AgentRow>(
        'SELECT id, agent_id, secret_hash, revoked_at FROM hosts WHERE agent_id = :agentId AND secret_hash IS NOT NULL',
        { agentId },
      );
      return row && toAgent(row);
    },

    async listAgents() {
      const rows = await select<AgentRow>('SELECT id, agent_id, secret_hash, revoked_at FROM hosts WHERE agent_id IS NOT NULL AND secret_hash IS NOT NULL', {});
      return rows.map(toAgent);
    },

    async revokeAgent(agentId, at) {
      const rows = await select<{ id: number }>(
        `UPDATE hosts SET revoked_at = :at, enrolment_state = 'revoked', updated_at = :at WHERE agent_id = :agentId AND revoked_at IS NULL RETURNING id`,
        { agentId, at: at.getTime() },
      );
      return rows.length > 0;
    },

    async recordOnline(agentId, at, facts) {
      const [before] = await select<{ id: number; name: string; unreachable_since: number | string | null; connected_since: number | string | null; last_seen: number | string | null }>(
        'SELECT id, name, unreachable_since, connected_since, last_seen FROM hosts WHERE agent_id = :agentId',
        { agentId },
      );
      if (!before) return undefined;
      const t = at.getTime();
      await sequelize.query(
        `UPDATE hosts SET last_seen = :t, connected_since = COALESCE(connected_since, :t), unreachable_since = NULL,
           agent_version = COALESCE(:agentVersion, agent_version), platform = COALESCE(:platform, platform),
           agent_hostname = COALESCE(:hostname, agent_hostname), bundles = COALESCE(:bundles, bundles), updated_at = :t
         WHERE id = :id`,
        {
          replacements: {
            t,
            id: before.id,
            agentVersion: facts.agentVersion ?? null,
            platform: facts.platform ?? null,
            hostname: facts.hostname ?? null,
            bundles: facts.bundles ? JSON.stringify(facts.bundles) : null,
          },
        },
      );
      return {
        hostId: String(before.id),
        hostName: before.name,
        clearedUnreachableSince: date(before.unreachable_since),
        wasConnected: before.connected_since != null,
        lastSeenBefore: date(before.last_seen),
      };
    },

    async recordOffline(agentId, at) {
      // Presence serialises the writes of one agent, so nothing changes the row in between.
      const [before] = await select<{ id: number; name: string; connected_since: number | string | null }>(
        'SELECT id, name, connected_since FROM hosts WHERE agent_id = :agentId',
        { agentId },
      );
      if (!before) return undefined;
      await sequelize.query('UPDATE hosts SET connected_since = NULL, last_seen = :t, updated_at = :t WHERE id = :id', { replacements: { id: before.id, t: at.getTime() } });
      return { hostId: String(before.id), hostName: before.name, wasConnected: before.connected_since != null };
    },

    async markUnreachable(agentId, at) {
      const rows = await select<{ id: number; name: string; last_seen: number | string | null }>(
        `UPDATE hosts SET unreachable_since = :t, updated_at = :t
         WHERE agent_id = :agentId AND connected_since IS NULL AND unreachable_since IS NULL RETURNING id, name, last_seen`,
        { agentId, t: at.getTime() },
      );
      return rows[0] && { hostId: String(rows[0].id), hostName: rows[0].name, lastSeen: date(rows[0].last_seen) };
    },

    async touch(agentId, at) {
      await sequelize.query('UPDATE hosts SET last_seen = :t WHERE agent_id = :agentId', { replacements: { agentId, t: at.getTime() } });
    },

    async listAwaitingGrace() {
      const rows = await select<{ agent_id: string; last_seen: number | string | null }>(
        `SELECT agent_id, last_seen FROM hosts WHERE agent_id IS NOT NULL AND enrolment_state = 'enrolled'
           AND connected_since IS NULL AND unreachable_since IS NULL`,
        {},
      );
      return rows.map((r) => {
        const lastSeen = ms(r.last_seen);
        return { agentId: r.agent_id, lastSeen: lastSeen === null ? null : new Date(lastSeen) };
      });
    },
  };
}
