import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/*
 * The agent upgrade tables (migration 0011) over the core's database: plain SQL that runs the
 * same on SQLite and PostgreSQL (`ON CONFLICT … DO UPDATE` is in both). Times are epoch ms.
 * JSON columns come back as text from SQLite and parsed from PostgreSQL: `json()` takes both.
 */

export interface ApprovedPackage {
  version: string;
  platform: string;
  sha256: string;
  size: number;
  /** Path under the core's data directory. */
  file: string;
  keyId: string;
  signature: string;
  approvedBy: string;
  approvedAt: number;
}

export interface RolloutRow {
  id: number;
  version: string;
  stages: { groupIds: number[] }[];
  stage: number;
  promoteAtPercent: number;
  autoPromote: boolean;
  state: 'running' | 'completed' | 'aborted';
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

type HostUpgradeStatus = 'offered' | 'requested' | 'refused' | 'upgraded' | 'failed' | 'skipped';

/** An enrolled host as the rollout sees it: its agent and what it last reported. */
export interface UpgradeHostRow {
  hostId: number;
  name: string;
  agentId: string | null;
  agentVersion: string | null;
  platform: string | null;
  rolloutId: number | null;
  stage: number | null;
  status: HostUpgradeStatus | null;
  reason: string | null;
  offeredAt: number | null;
  lastUpgrade: { state: string; from: string; to: string; at: number; reason?: string } | null;
  updatedAt: number | null;
}

const json = <T>(value: unknown): T | null => (value === null || value === undefined ? null : typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));
const num = (value: number | string | null): number | null => (value === null ? null : Number(value));

export interface AgentUpgradeStore {
  listApproved(): Promise<ApprovedPackage[]>;
  findApproved(version: string, platform: string): Promise<ApprovedPackage | undefined>;
  insertApproved(rows: readonly ApprovedPackage[]): Promise<void>;
  listRollouts(): Promise<RolloutRow[]>;
  getRollout(id: number): Promise<RolloutRow | undefined>;
  runningRollout(): Promise<RolloutRow | undefined>;
  insertRollout(row: Omit<RolloutRow, 'id'>): Promise<RolloutRow>;
  updateRollout(id: number, changes: { stage?: number; state?: RolloutRow['state'] }, now: number): Promise<void>;
  /** Every enrolled host (agent id set, not revoked), with its upgrade row if it has one. */
  hosts(): Promise<UpgradeHostRow[]>;
  hostByAgent(agentId: string): Promise<UpgradeHostRow | undefined>;
  /** What the agent's `state` online said: its package platform and its installation's last upgrade. */
  recordReported(hostId: number, platform: string | null, lastUpgrade: unknown, now: number): Promise<void>;
  setHostStatus(hostId: number, change: { rolloutId: number; stage: number; status: HostUpgradeStatus; reason: string | null; offeredAt?: number }, now: number): Promise<void>;
  groupIdsExisting(ids: readonly number[]): Promise<Set<number>>;
}

interface HostJoinRow {
  id: number;
  name: string;
  agent_id: string | null;
  agent_version: string | null;
  platform: string | null;
  rollout_id: number | null;
  stage: number | null;
  status: HostUpgradeStatus | null;
  reason: string | null;
  offered_at: number | string | null;
  last_upgrade: unknown;
  updated_at: number | string | null;
}

const HOSTS_SQL = `SELECT h.id, h.name, h.agent_id, h.agent_version, u.platform, u.rollout_id, u.stage, u.status, u.reason, u.offered_at, u.last_upgrade, u.updated_at
  FROM hosts h LEFT JOIN agent_upgrade_hosts u ON u.host_id = h.id
  WHERE h.enrolment_state = 'enrolled' AND h.agent_id IS NOT NULL AND h.revoked_at IS NULL`;

export function createAgentUpgradeStore(db: { sequelize: Sequelize }): AgentUpgradeStore {
  const { sequelize } = db;
  const select = <T extends object>(sql: string, replacements: Record<string, unknown> = {}, transaction?: Transaction): Promise<T[]> =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) });

  const toPackage = (r: Record<string, unknown>): ApprovedPackage => ({
    version: String(r.version),
    platform: String(r.platform),
    sha256: String(r.sha256),
    size: Number(r.size),
    file: String(r.file),
    keyId: String(r.key_id),
    signature: String(r.signature),
    approvedBy: String(r.approved_by),
    approvedAt: Number(r.approved_at),
  });
  const toRollout = (r: Record<string, unknown>): RolloutRow => ({
    id: Number(r.id),
    version: String(r.version),
    stages: json<{ groupIds: number[] }[]>(r.stages) ?? [],
    stage: Number(r.stage),
    promoteAtPercent: Number(r.promote_at_percent),
    autoPromote: r.auto_promote === true || r.auto_promote === 1,
    state: r.state as RolloutRow['state'],
    createdBy: String(r.created_by),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  });
  const toHost = (r: HostJoinRow): UpgradeHostRow => ({
    hostId: Number(r.id),
    name: r.name,
    agentId: r.agent_id,
    agentVersion: r.agent_version,
    platform: r.platform,
    rolloutId: r.rollout_id === null ? null : Number(r.rollout_id),
    stage: r.stage === null ? null : Number(r.stage),
    status: r.status,
    reason: r.reason,
    offeredAt: num(r.offered_at),
    lastUpgrade: json(r.last_upgrade),
    updatedAt: num(r.updated_at),
  });

  return {
    async listApproved() {
      return (await select<Record<string, unknown>>('SELECT * FROM agent_versions ORDER BY approved_at DESC, platform')).map(toPackage);
    },
    async findApproved(version, platform) {
      const [row] = await select<Record<string, unknown>>('SELECT * FROM agent_versions WHERE version = :version AND platform = :platform', { version, platform });
      return row ? toPackage(row) : undefined;
    },
    async insertApproved(rows) {
      await sequelize.transaction(async (transaction) => {
        for (const p of rows) {
          await sequelize.query(
            `INSERT INTO agent_versions (version, platform, sha256, size, file, key_id, signature, approved_by, approved_at)
             VALUES (:version, :platform, :sha256, :size, :file, :keyId, :signature, :approvedBy, :approvedAt)`,
            { replacements: { ...p }, transaction },
          );
        }
      });
    },
    async listRollouts() {
      return (await select<Record<string, unknown>>('SELECT * FROM agent_upgrade_rollouts ORDER BY id DESC')).map(toRollout);
    },
    async getRollout(id) {
      const [row] = await select<Record<string, unknown>>('SELECT * FROM agent_upgrade_rollouts WHERE id = :id', { id });
      return row ? toRollout(row) : undefined;
    },
    async runningRollout() {
      const [row] = await select<Record<string, unknown>>("SELECT * FROM agent_upgrade_rollouts WHERE state = 'running' ORDER BY id DESC");
      return row ? toRollout(row) : undefined;
    },
    async insertRollout(r) {
      // No INSERT … RETURNING: Sequelize's SQLite dialect runs an INSERT without reading rows. The
      // caller creates rollouts one at a time (and one runs at most), so the newest row is this one.
      return sequelize.transaction(async (transaction) => {
        await sequelize.query(
          `INSERT INTO agent_upgrade_rollouts (version, stages, stage, promote_at_percent, auto_promote, state, created_by, created_at, updated_at)
           VALUES (:version, :stages, :stage, :promoteAtPercent, :autoPromote, :state, :createdBy, :createdAt, :updatedAt)`,
          { replacements: { ...r, stages: JSON.stringify(r.stages) }, transaction },
        );
        const [row] = await select<{ id: number }>('SELECT MAX(id) AS id FROM agent_upgrade_rollouts', {}, transaction);
        return { ...r, id: Number(row!.id) };
      });
    },
    async updateRollout(id, changes, now) {
      await sequelize.query(
        'UPDATE agent_upgrade_rollouts SET stage = COALESCE(:stage, stage), state = COALESCE(:state, state), updated_at = :now WHERE id = :id',
        { replacements: { id, stage: changes.stage ?? null, state: changes.state ?? null, now } },
      );
    },
    async hosts() {
      return (await select<HostJoinRow>(`${HOSTS_SQL} ORDER BY h.name`)).map(toHost);
    },
    async hostByAgent(agentId) {
      const [row] = await select<HostJoinRow>(`${HOSTS_SQL} AND h.agent_id = :agentId`, { agentId });
      return row ? toHost(row) : undefined;
    },
    async recordReported(hostId, platform, lastUpgrade, now) {
      await sequelize.query(
        `INSERT INTO agent_upgrade_hosts (host_id, platform, last_upgrade, updated_at) VALUES (:hostId, :platform, :lastUpgrade, :now)
         ON CONFLICT (host_id) DO UPDATE SET platform = COALESCE(EXCLUDED.platform, agent_upgrade_hosts.platform),
           last_upgrade = COALESCE(EXCLUDED.last_upgrade, agent_upgrade_hosts.last_upgrade)`,
        { replacements: { hostId, platform, lastUpgrade: lastUpgrade === undefined || lastUpgrade === null ? null : JSON.stringify(lastUpgrade), now } },
      );
    },
    async setHostStatus(hostId, c, now) {
      await sequelize.query(
        `INSERT INTO agent_upgrade_hosts (host_id, rollout_id, stage, status, reason, offered_at, updated_at)
         VALUES (:hostId, :rolloutId, :stage, :status, :reason, :offeredAt, :now)
         ON CONFLICT (host_id) DO UPDATE SET rollout_id = EXCLUDED.rollout_id, stage = EXCLUDED.stage, status = EXCLUDED.status,
           reason = EXCLUDED.reason, offered_at = COALESCE(EXCLUDED.offered_at, agent_upgrade_hosts.offered_at), updated_at = EXCLUDED.updated_at`,
        { replacements: { hostId, rolloutId: c.rolloutId, stage: c.stage, status: c.status, reason: c.reason, offeredAt: c.offeredAt ?? null, now } },
      );
    },
    async groupIdsExisting(ids) {
      if (ids.length === 0) return new Set();
      const rows = await select<{ id: number }>('SELECT id FROM host_groups WHERE id IN (:ids)', { ids: [...ids] });
      return new Set(rows.map((r) => Number(r.id)));
    },
  };
}
