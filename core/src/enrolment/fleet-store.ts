import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { ApiErrors } from '../kernel/index.js';
import { EnrolmentErrors } from './errors.js';
import { compileHostnamePattern, fleetTokenStatus, matchRules, type FleetRegisterResult, type FleetStore, type RuleSpec, type StoredFleetToken } from './fleet.js';
import { queued } from './sequelize-store.js';

/*
 * Fleet tokens and registration rules over the core's database (migration 0010). Plain SQL like
 * the registry's store: the registration is one conditional UPDATE whose WHERE clause is the
 * host limit, and the same statements run on SQLite and PostgreSQL. Times are epoch ms.
 */

interface TokenRow {
  id: number;
  name: string;
  expires_at: number | string;
  revoked_at: number | string | null;
  max_hosts: number | null;
  hosts_registered: number;
  tags: string | string[];
  last_used_at: number | string | null;
  created_by: string;
  created_at: number | string;
}

interface RuleRow {
  id: number;
  name: string;
  position: number;
  hostname_pattern: string | null;
  platform: string | null;
  arch: string | null;
  stop: boolean | number;
  created_at: number | string;
  updated_at: number | string;
}

/** A registration rule as the API shows it. */
interface StoredRule extends RuleSpec {
  name: string;
  position: number;
  createdAt: number;
  updatedAt: number;
}

interface RuleInput {
  name: string;
  hostnamePattern?: string | null | undefined;
  platform?: string | null | undefined;
  arch?: string | null | undefined;
  groupIds: number[];
  stop: boolean;
  position?: number | undefined;
}

/** Registration rules: ordered, edited from the API (positions stay 1…n). */
export interface RuleStore {
  listRules(): Promise<StoredRule[]>;
  createRule(input: RuleInput, now: number): Promise<StoredRule>;
  updateRule(id: number, input: RuleInput, now: number): Promise<StoredRule>;
  deleteRule(id: number): Promise<void>;
  reorderRules(ids: number[], now: number): Promise<StoredRule[]>;
}

const ms = (v: number | string | null): number | null => (v === null ? null : Number(v));
// PostgreSQL hands JSON columns back parsed, SQLite as text.
const jsonArray = <T>(v: string | T[] | null): T[] => (v === null ? [] : typeof v === 'string' ? (JSON.parse(v) as T[]) : v);

class Rollback extends Error {
  constructor(readonly result: FleetRegisterResult) {
    super('rollback');
  }
}

/** A {@link FleetStore} and {@link RuleStore} over an open core database. */
export function createSequelizeFleetStore(db: { sequelize: Sequelize }): FleetStore & RuleStore {
  const { sequelize } = db;
  const select = <T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction): Promise<T[]> =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) });
  const exec = (sql: string, replacements: Record<string, unknown>, transaction?: Transaction) =>
    sequelize.query(sql, { replacements, ...(transaction ? { transaction } : {}) });

  /**
   * INSERT and the new row's id on both dialects: PostgreSQL answers it with RETURNING; sequelize
   * runs an SQLite INSERT with `run`, which returns no rows but the statement's last row id.
   */
  async function insertId(sql: string, replacements: Record<string, unknown>, transaction: Transaction): Promise<number> {
    if (sequelize.getDialect() === 'postgres') {
      const [row] = await select<{ id: number }>(`${sql} RETURNING id`, replacements, transaction);
      return Number(row!.id);
    }
    const [id] = await sequelize.query(sql, { replacements, type: QueryTypes.INSERT, transaction });
    return Number(id);
  }

  async function groupsOf(table: 'fleet_token_groups' | 'registration_rule_groups', key: 'token_id' | 'rule_id', transaction?: Transaction): Promise<Map<number, number[]>> {
    const rows = await select<{ owner: number; group_id: number }>(`SELECT ${key} AS owner, group_id FROM ${table} ORDER BY group_id`, {}, transaction);
    const out = new Map<number, number[]>();
    for (const r of rows) {
      const list = out.get(Number(r.owner)) ?? [];
      list.push(Number(r.group_id));
      out.set(Number(r.owner), list);
    }
    return out;
  }

  /** 400 naming `groupIds` when a group does not exist. */
  async function assertGroups(groupIds: readonly number[], transaction: Transaction): Promise<void> {
    if (groupIds.length === 0) return;
    const found = await select<{ id: number }>('SELECT id FROM host_groups WHERE id IN (:ids)', { ids: [...groupIds] }, transaction);
    const have = new Set(found.map((r) => Number(r.id)));
    const missing = groupIds.filter((id) => !have.has(id));
    if (missing.length > 0) throw ApiErrors.REFERENCE_NOT_FOUND(`groupIds: ${missing.join(', ')}`, { field: 'groupIds', missing });
  }

  const toToken = (r: TokenRow, groups: Map<number, number[]>): StoredFleetToken => ({
    id: Number(r.id),
    name: r.name,
    expiresAt: Number(r.expires_at),
    revokedAt: ms(r.revoked_at),
    maxHosts: r.max_hosts === null ? null : Number(r.max_hosts),
    hostsRegistered: Number(r.hosts_registered),
    groupIds: groups.get(Number(r.id)) ?? [],
    tags: jsonArray<string>(r.tags),
    lastUsedAt: ms(r.last_used_at),
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
  });

  const toRule = (r: RuleRow, groups: Map<number, number[]>): StoredRule => ({
    id: Number(r.id),
    name: r.name,
    position: Number(r.position),
    hostnamePattern: r.hostname_pattern,
    platform: r.platform,
    arch: r.arch,
    groupIds: groups.get(Number(r.id)) ?? [],
    stop: Boolean(r.stop),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  });

  async function rules(transaction?: Transaction): Promise<StoredRule[]> {
    const rows = await select<RuleRow>('SELECT * FROM registration_rules ORDER BY position, id', {}, transaction);
    const groups = await groupsOf('registration_rule_groups', 'rule_id', transaction);
    return rows.map((r) => toRule(r, groups));
  }

  /** Writes positions 1…n in the order of `ids`. */
  async function renumber(ids: readonly number[], transaction: Transaction): Promise<void> {
    for (const [i, id] of ids.entries()) await exec('UPDATE registration_rules SET position = :position WHERE id = :id', { position: i + 1, id }, transaction);
  }

  async function replaceRuleGroups(ruleId: number, groupIds: readonly number[], transaction: Transaction): Promise<void> {
    await exec('DELETE FROM registration_rule_groups WHERE rule_id = :ruleId', { ruleId }, transaction);
    for (const groupId of groupIds) await exec('INSERT INTO registration_rule_groups (rule_id, group_id) VALUES (:ruleId, :groupId)', { ruleId, groupId }, transaction);
  }

  function checkRule(input: RuleInput): void {
    if (input.hostnamePattern) compileHostnamePattern(input.hostnamePattern);
  }

  /** Moves `id` to `position` (1-based, clamped) among the rules, or leaves the order as is. */
  async function place(id: number, position: number | undefined, transaction: Transaction): Promise<void> {
    if (position === undefined) return;
    const order = (await select<{ id: number }>('SELECT id FROM registration_rules ORDER BY position, id', {}, transaction)).map((r) => Number(r.id)).filter((x) => x !== id);
    order.splice(Math.min(position - 1, order.length), 0, id);
    await renumber(order, transaction);
  }

  const ruleById = async (id: number, transaction?: Transaction) => (await rules(transaction)).find((r) => r.id === id);

  return {
    async insertFleetToken({ name, tokenHash, expiresAt, maxHosts, groupIds, tags, createdBy, now }) {
      return sequelize.transaction(async (transaction) => {
        await assertGroups(groupIds, transaction);
        const id = await insertId(
          `INSERT INTO fleet_tokens (name, token_hash, expires_at, revoked_at, max_hosts, hosts_registered, tags, last_used_at, created_by, created_at, updated_at)
           VALUES (:name, :tokenHash, :expiresAt, NULL, :maxHosts, 0, :tags, NULL, :createdBy, :now, :now)`,
          { name, tokenHash, expiresAt, maxHosts, tags: JSON.stringify(tags), createdBy, now },
          transaction,
        );
        for (const groupId of groupIds) await exec('INSERT INTO fleet_token_groups (token_id, group_id) VALUES (:id, :groupId)', { id, groupId }, transaction);
        return id;
      });
    },

    async listFleetTokens() {
      const rows = await select<TokenRow>('SELECT * FROM fleet_tokens ORDER BY created_at DESC, id DESC', {});
      const groups = await groupsOf('fleet_token_groups', 'token_id');
      return rows.map((r) => toToken(r, groups));
    },

    async getFleetToken(id) {
      const [row] = await select<TokenRow>('SELECT * FROM fleet_tokens WHERE id = :id', { id });
      return row && toToken(row, await groupsOf('fleet_token_groups', 'token_id'));
    },

    async findFleetTokenId(tokenHash) {
      const [row] = await select<{ id: number }>('SELECT id FROM fleet_tokens WHERE token_hash = :tokenHash', { tokenHash });
      return row && Number(row.id);
    },

    async revokeFleetToken(id, at) {
      const rows = await select<{ id: number }>('UPDATE fleet_tokens SET revoked_at = :at, updated_at = :at WHERE id = :id AND revoked_at IS NULL RETURNING id', { id, at });
      return rows.length > 0;
    },

    async registerHost(tokenHash, now, { name, agentId, secretHash, facts }) {
      try {
        return await queued(sequelize, () =>
          sequelize.transaction(async (transaction): Promise<FleetRegisterResult> => {
            // The limit and the counter in one statement: of concurrent registrations only
            // those the counter still admits change the row (PostgreSQL re-checks the WHERE
            // clause after a competing transaction commits).
            const [claimed] = await select<TokenRow>(
              `UPDATE fleet_tokens SET hosts_registered = hosts_registered + 1, last_used_at = :now, updated_at = :now
               WHERE token_hash = :tokenHash AND revoked_at IS NULL AND expires_at > :now AND (max_hosts IS NULL OR hosts_registered < max_hosts)
               RETURNING *`,
              { tokenHash, now },
              transaction,
            );
            if (!claimed) {
              const [row] = await select<TokenRow>('SELECT * FROM fleet_tokens WHERE token_hash = :tokenHash', { tokenHash }, transaction);
              if (!row) return { ok: false, reason: 'unknown' };
              const token = toToken(row, new Map());
              const status = fleetTokenStatus(token, now);
              // 'active' here means it changed between the two statements: report it as used up.
              return { ok: false, reason: status === 'active' ? 'exhausted' : status, fleetTokenId: token.id, fleetTokenName: token.name, maxHosts: token.maxHosts };
            }
            const token = toToken(claimed, await groupsOf('fleet_token_groups', 'token_id', transaction));
            // Host names are unique as the table has them; a machine whose name differs only in
            // case from an existing host is the same name to DNS, so it is refused too.
            const [taken] = await select<{ id: number }>('SELECT id FROM hosts WHERE LOWER(name) = LOWER(:name)', { name }, transaction);
            if (taken) throw new Rollback({ ok: false, reason: 'name_taken', fleetTokenId: token.id, fleetTokenName: token.name });
            await exec(
              `INSERT INTO hosts (name, description, enrolment_state, agent_id, secret_hash, agent_version, platform, agent_hostname, tags, fleet_token_id, created_at, updated_at)
               VALUES (:name, :description, 'enrolled', :agentId, :secretHash, :agentVersion, :platform, :hostname, :tags, :tokenId, :now, :now)
               ON CONFLICT (name) DO NOTHING`,
              {
                name,
                description: `Registered with fleet token "${token.name}"`,
                agentId,
                secretHash,
                agentVersion: facts.agentVersion,
                platform: facts.platform,
                hostname: facts.hostname,
                tags: JSON.stringify(token.tags),
                tokenId: token.id,
                now,
              },
              transaction,
            );
            // Ours only if it carries our agent id: a host of that name may have been added meanwhile.
            const [host] = await select<{ id: number }>('SELECT id FROM hosts WHERE name = :name AND agent_id = :agentId', { name, agentId }, transaction);
            if (!host) throw new Rollback({ ok: false, reason: 'name_taken', fleetTokenId: token.id, fleetTokenName: token.name });
            const hostId = Number(host.id);
            const matched = matchRules(await rules(transaction), facts);
            const groupIds = [...new Set([...token.groupIds, ...matched.groupIds])].sort((a, b) => a - b);
            for (const groupId of groupIds) await exec('INSERT INTO host_group_hosts (group_id, host_id) VALUES (:groupId, :hostId)', { groupId, hostId }, transaction);
            return { ok: true, hostId: String(hostId), hostName: name, fleetTokenId: token.id, fleetTokenName: token.name, groupIds, ruleIds: matched.ruleIds, tags: token.tags };
          }),
        );
      } catch (err) {
        if (err instanceof Rollback) return err.result;
        throw err;
      }
    },

    listRules: () => rules(),

    async createRule(input, now) {
      checkRule(input);
      return sequelize.transaction(async (transaction) => {
        await assertGroups(input.groupIds, transaction);
        const [last] = await select<{ position: number | null }>('SELECT MAX(position) AS position FROM registration_rules', {}, transaction);
        const id = await insertId(
          `INSERT INTO registration_rules (name, position, hostname_pattern, platform, arch, stop, created_at, updated_at)
           VALUES (:name, :position, :hostnamePattern, :platform, :arch, :stop, :now, :now)`,
          {
            name: input.name,
            position: Number(last?.position ?? 0) + 1,
            hostnamePattern: input.hostnamePattern ?? null,
            platform: input.platform ?? null,
            arch: input.arch ?? null,
            stop: input.stop,
            now,
          },
          transaction,
        );
        await replaceRuleGroups(id, input.groupIds, transaction);
        await place(id, input.position, transaction);
        return (await ruleById(id, transaction))!;
      });
    },

    async updateRule(id, input, now) {
      checkRule(input);
      return sequelize.transaction(async (transaction) => {
        const rows = await select<{ id: number }>(
          `UPDATE registration_rules SET name = :name, hostname_pattern = :hostnamePattern, platform = :platform, arch = :arch, stop = :stop, updated_at = :now
           WHERE id = :id RETURNING id`,
          { id, name: input.name, hostnamePattern: input.hostnamePattern ?? null, platform: input.platform ?? null, arch: input.arch ?? null, stop: input.stop, now },
          transaction,
        );
        if (rows.length === 0) throw EnrolmentErrors.RULE_NOT_FOUND(String(id));
        await assertGroups(input.groupIds, transaction);
        await replaceRuleGroups(id, input.groupIds, transaction);
        await place(id, input.position, transaction);
        return (await ruleById(id, transaction))!;
      });
    },

    async deleteRule(id) {
      await sequelize.transaction(async (transaction) => {
        const rows = await select<{ id: number }>('DELETE FROM registration_rules WHERE id = :id RETURNING id', { id }, transaction);
        if (rows.length === 0) throw EnrolmentErrors.RULE_NOT_FOUND(String(id));
        await renumber((await rules(transaction)).map((r) => r.id), transaction);
      });
    },

    async reorderRules(ids, now) {
      return sequelize.transaction(async (transaction) => {
        const current = (await rules(transaction)).map((r) => r.id);
        const wanted = new Set(ids);
        if (ids.length !== current.length || current.some((id) => !wanted.has(id))) {
          const missing = current.filter((id) => !wanted.has(id));
          const unknown = ids.filter((id) => !current.includes(id));
          throw EnrolmentErrors.RULE_ORDER(`ids: ${[missing.length ? `missing ${missing.join(', ')}` : '', unknown.length ? `unknown ${unknown.join(', ')}` : ''].filter(Boolean).join('; ')}`, {
            field: 'ids',
            missing,
            unknown,
          });
        }
        await renumber(ids, transaction);
        await exec('UPDATE registration_rules SET updated_at = :now', { now }, transaction);
        return rules(transaction);
      });
    },
  };
}
