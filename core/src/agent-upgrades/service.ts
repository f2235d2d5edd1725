import {
  AGENT_UPGRADE_STATES,
  createMessage,
  signAgentPackage,
  type AgentPackagesResponse,
  type AgentUpgradeHost,
  type AgentUpgradeRollout,
  type AgentUpgradeRolloutInput,
  type AgentVersion,
  type CmdMessage,
  type Logger,
  type ResMessage,
  type StateMessage,
} from '@prophasis/protocol';
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Database } from '../db/index.js';
import type { AgentPackages } from '../downloads/index.js';
import { loadGroupHosts } from '../inventory/index.js';
import type { SystemLog } from '../kernel/index.js';
import { AgentUpgradeErrors } from './errors.js';
import { createAgentUpgradeStore, type ApprovedPackage, type RolloutRow, type UpgradeHostRow } from './store.js';

/** Under the core's data directory: each approved version's packages, kept as they were approved. */
const VERSIONS_DIR = join('downloads', 'agent-versions');
/** The download route of an approved package (downloads/routes.ts serves it through {@link AgentUpgrades.approvedFile}). */
const approvedPackagePath = (version: string, file: string): string => `/downloads/versions/${encodeURIComponent(version)}/${encodeURIComponent(file)}`;

/**
 * Where agents download approved packages from: the public URL when one is set (the address
 * people reach the core at); else the console's own URL with the host name agents connect to
 * (`server`: the external broker's or the first certificate name), else this machine's name,
 * which the core's certificate carries by default. Plain HTTP is fine: the hash and the
 * signature reach the agent over its TLS connection.
 */
export function agentDownloadBase(consoleUrl: string, publicUrl: string, server: string | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const url = new URL(consoleUrl);
  url.hostname = server ?? hostname();
  return url.href.replace(/\/+$/, '');
}

/** The installation states that mean an offered upgrade did not take (agent/src/upgrade/upgrade.ts). */
const FAILED_UPGRADE_STATES: ReadonlySet<string> = new Set(AGENT_UPGRADE_STATES.filter((s) => s !== 'switched' && s !== 'upgraded'));

export interface AgentUpgradesConfig {
  dataDir: string;
}

export interface AgentUpgradesDeps {
  db: Database;
  logger: Logger;
  systemLog: SystemLog;
  /** What the core's package builder can serve (downloads/). */
  packages: Pick<AgentPackages, 'dir' | 'get'>;
  /** The site key: the one that signs first-party plugin bundles. */
  siteKey: { keyId: string; privateKey: KeyObject };
  /** Publishes `agent.upgrade` on an agent's `cmd` topic (the transport). */
  commands: { publishCommand(agentId: string, message: CmdMessage): Promise<void> };
  /** Where agents download from, e.g. `http://core.example:8080` (no trailing slash). */
  downloadBase(): string;
  now?: () => number;
}

export interface AgentUpgrades {
  packages(): Promise<AgentPackagesResponse>;
  approve(version: string, actor: string): Promise<AgentVersion>;
  rollouts(): Promise<AgentUpgradeRollout[]>;
  create(input: AgentUpgradeRolloutInput, actor: string): Promise<AgentUpgradeRollout>;
  promote(id: number): Promise<AgentUpgradeRollout>;
  abort(id: number): Promise<AgentUpgradeRollout>;
  hosts(): Promise<AgentUpgradeHost[]>;
  /** One host's agent version and upgrade state; undefined for a host without an enrolled agent. */
  host(hostId: number): Promise<AgentUpgradeHost | undefined>;
  /** An approved package's file for the download route; undefined when there is no such package. */
  approvedFile(version: string, file: string): Promise<{ path: string; sha256: string; size: number } | undefined>;
  /** `state` online: the agent's version, platform and last upgrade; offers, counts and promotes. */
  handleState(agentId: string, message: StateMessage): Promise<void>;
  /** Hosts or groups changed: a host that joined the running rollout's stages is offered the version now. */
  membershipChanged(): Promise<void>;
  /** `agent.upgrade.status` from an agent. */
  handleRes(agentId: string, message: ResMessage): Promise<void>;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The package file name of a platform (agent/scripts/pack-platforms.ts names them so). */
const packageFileName = (platform: string): string => `prophasis-agent-${platform}.tar.gz`;

/**
 * Agent upgrades from the core (docs/decisions/0009-agent-self-upgrade.md, "The whole path"):
 * an administrator approves the version the core's package builder made (its packages are
 * copied aside and each one's hash signed by the site key), then runs a rollout to host groups
 * in stages, as plugin rollouts are staged: the hosts of the current stage get `agent.upgrade`
 * on their `cmd` topic (QoS 1: an agent that is away gets it when it comes back), and the next
 * stage starts when enough of them report the new version in `state` online, or when the
 * administrator promotes. One rollout runs at a time. Rollout steps run one after another in
 * this process, so two agents' states never promote the same stage twice.
 */
export function createAgentUpgrades(config: AgentUpgradesConfig, deps: AgentUpgradesDeps): AgentUpgrades {
  const store = createAgentUpgradeStore(deps.db);
  const log = deps.logger.child({ component: 'agent-upgrades' });
  const now = deps.now ?? Date.now;
  let tail: Promise<unknown> = Promise.resolve();
  /** Rollout steps in order: offers and promotions read and write the same rows. */
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = tail.then(work, work);
    tail = next.catch(() => undefined);
    return next;
  }

  const presentVersion = (rows: ApprovedPackage[]): AgentVersion => ({
    version: rows[0]!.version,
    packages: rows.map((p) => ({ platform: p.platform, file: packageFileName(p.platform), sha256: p.sha256, size: p.size, keyId: p.keyId, url: approvedPackagePath(p.version, packageFileName(p.platform)) })),
    approvedBy: rows[0]!.approvedBy,
    approvedAt: rows[0]!.approvedAt,
  });

  async function approvedVersions(): Promise<AgentVersion[]> {
    const byVersion = new Map<string, ApprovedPackage[]>();
    for (const p of await store.listApproved()) byVersion.set(p.version, [...(byVersion.get(p.version) ?? []), p]);
    return [...byVersion.values()].map(presentVersion);
  }

  /** The hosts of each stage: a host counts in the first stage whose groups hold it; `[]` is every host. */
  async function stageHosts(rollout: Pick<RolloutRow, 'stages'>, hosts: readonly UpgradeHostRow[]): Promise<Set<number>[]> {
    const hostsOf = await loadGroupHosts(deps.db);
    const enrolled = new Set(hosts.map((h) => h.hostId));
    const seen = new Set<number>();
    return rollout.stages.map((stage) => {
      const members = stage.groupIds.length === 0 ? enrolled : hostsOf(stage.groupIds);
      const mine = new Set([...members].filter((h) => enrolled.has(h) && !seen.has(h)));
      for (const h of mine) seen.add(h);
      return mine;
    });
  }

  async function present(rollout: RolloutRow): Promise<AgentUpgradeRollout> {
    const hosts = await store.hosts();
    const byId = new Map(hosts.map((h) => [h.hostId, h]));
    const stages = await stageHosts(rollout, hosts);
    return {
      ...rollout,
      stages: rollout.stages.map((s, i) => {
        const members = [...stages[i]!].map((id) => byId.get(id)!);
        return {
          groupIds: s.groupIds,
          hosts: members.length,
          upgraded: members.filter((h) => h.agentVersion === rollout.version).length,
          failed: members.filter((h) => h.rolloutId === rollout.id && h.agentVersion !== rollout.version && (h.status === 'refused' || h.status === 'failed' || h.status === 'skipped')).length,
        };
      }),
    };
  }

  /** Sends `agent.upgrade` to the hosts of stages 0…rollout.stage that have not had this rollout's offer. */
  async function offer(rollout: RolloutRow, only?: number): Promise<void> {
    // Offered and not answered (the agent may have been away, or restarted mid-download): again.
    const again = (h: UpgradeHostRow) => only !== undefined && h.status === 'offered';
    const hosts = await store.hosts();
    const stages = await stageHosts(rollout, hosts);
    const stageOf = new Map<number, number>();
    stages.forEach((members, i) => members.forEach((h) => stageOf.set(h, i)));
    for (const host of hosts) {
      if (only !== undefined && host.hostId !== only) continue;
      const stage = stageOf.get(host.hostId);
      if (stage === undefined || stage > rollout.stage || (host.rolloutId === rollout.id && !again(host)) || !host.agentId) continue;
      const t = now();
      if (host.agentVersion === rollout.version) {
        await store.setHostStatus(host.hostId, { rolloutId: rollout.id, stage, status: 'upgraded', reason: null, offeredAt: t }, t);
        continue;
      }
      // Known from its `state` online; a host that has not said yet gets the offer when it does.
      if (!host.platform) continue;
      const pkg = await store.findApproved(rollout.version, host.platform);
      if (!pkg) {
        const reason = `no approved package of ${rollout.version} for ${host.platform}`;
        await store.setHostStatus(host.hostId, { rolloutId: rollout.id, stage, status: 'skipped', reason, offeredAt: t }, t);
        deps.systemLog.write('warn', 'agent-upgrades', `${host.name}: ${reason}`, { hostId: host.hostId, rolloutId: rollout.id });
        continue;
      }
      const file = packageFileName(pkg.platform);
      const message = createMessage('agent.upgrade', {
        rolloutId: rollout.id,
        version: pkg.version,
        platform: pkg.platform,
        sha256: pkg.sha256,
        size: pkg.size,
        keyId: pkg.keyId,
        signature: pkg.signature,
        url: `${deps.downloadBase()}${approvedPackagePath(pkg.version, file)}`,
      });
      // Recorded before it is sent: a failed publish is retried by the next state of the host.
      await store.setHostStatus(host.hostId, { rolloutId: rollout.id, stage, status: 'offered', reason: null, offeredAt: t }, t);
      try {
        await deps.commands.publishCommand(host.agentId, message);
        log.info({ hostId: host.hostId, agentId: host.agentId, version: pkg.version, platform: pkg.platform, rolloutId: rollout.id, stage }, 'agent upgrade offered');
      } catch (err) {
        await store.setHostStatus(host.hostId, { rolloutId: rollout.id, stage, status: 'skipped', reason: `the offer could not be published: ${(err as Error).message}` }, now());
        log.warn({ err, hostId: host.hostId }, 'publishing agent.upgrade failed');
      }
    }
  }

  /** Starts the next stage when enough of this one runs the version (auto), or ends the last stage once every host settled. */
  async function advance(rollout: RolloutRow): Promise<RolloutRow> {
    let current = rollout;
    for (;;) {
      if (current.state !== 'running') return current;
      const shown = await present(current);
      const stage = shown.stages[current.stage]!;
      const settled = stage.upgraded + stage.failed;
      const last = current.stage === current.stages.length - 1;
      if (last) {
        if (settled < stage.hosts) return current;
        await store.updateRollout(current.id, { state: 'completed' }, now());
        deps.systemLog.write('info', 'agent-upgrades', `agent upgrade rollout ${current.id} to ${current.version} completed`, { rolloutId: current.id });
        return { ...current, state: 'completed' };
      }
      const reached = stage.hosts === 0 || (stage.upgraded * 100) / stage.hosts >= current.promoteAtPercent;
      if (!current.autoPromote || !reached) return current;
      current = { ...current, stage: current.stage + 1 };
      await store.updateRollout(current.id, { stage: current.stage }, now());
      log.info({ rolloutId: current.id, stage: current.stage }, 'agent upgrade rollout promoted to its next stage');
      await offer(current);
    }
  }

  async function approveNow(version: string, actor: string): Promise<AgentVersion> {
    if ((await approvedVersions()).some((v) => v.version === version)) throw AgentUpgradeErrors.ALREADY_APPROVED(version);
    const index = await deps.packages.get();
    if (index.version !== version) throw AgentUpgradeErrors.VERSION_NOT_AVAILABLE(`${version}: this core builds ${index.version} from its checkout`);
    const dir = join(config.dataDir, VERSIONS_DIR, version);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const at = now();
    const rows: ApprovedPackage[] = [];
    for (const p of index.packages) {
      // Copied aside and hashed again: the builder may rebuild its folder for a newer checkout,
      // an approved package never changes.
      const target = join(dir, p.file);
      const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
      await copyFile(join(deps.packages.dir, p.file), temp);
      const sha256 = await sha256File(temp);
      if (sha256 !== p.sha256) {
        await rm(temp, { force: true });
        throw AgentUpgradeErrors.PACKAGE_CHANGED(`${p.file} is ${sha256} now, the index says ${p.sha256}`);
      }
      await rename(temp, target);
      const signature = signAgentPackage({ version, platform: p.platform, sha256 }, deps.siteKey.privateKey);
      rows.push({ version, platform: p.platform, sha256, size: p.size, file: relative(config.dataDir, target), keyId: deps.siteKey.keyId, signature, approvedBy: actor, approvedAt: at });
    }
    await store.insertApproved(rows);
    log.info({ version, platforms: rows.map((r) => r.platform), by: actor }, 'agent version approved');
    return presentVersion(rows);
  }

  async function mustGet(id: number): Promise<RolloutRow> {
    const rollout = await store.getRollout(id);
    if (!rollout) throw AgentUpgradeErrors.ROLLOUT_NOT_FOUND(`rollout ${id}`);
    return rollout;
  }

  return {
    async packages() {
      const approved = await approvedVersions();
      try {
        const index = await deps.packages.get();
        return {
          available: {
            version: index.version,
            node: index.node,
            packages: index.packages.map(({ platform, file, sha256, size }) => ({ platform, file, sha256, size })),
            approved: approved.some((v) => v.version === index.version),
          },
          approved,
        };
      } catch (err) {
        return { available: null, unavailableReason: (err as Error).message, approved };
      }
    },

    approve(version, actor) {
      return serial(() => approveNow(version, actor));
    },

    async rollouts() {
      return Promise.all((await store.listRollouts()).map(present));
    },

    create(input, actor) {
      return serial(async () => {
        if (!(await approvedVersions()).some((v) => v.version === input.version)) throw AgentUpgradeErrors.NOT_APPROVED(input.version);
        const running = await store.runningRollout();
        if (running) throw AgentUpgradeErrors.ROLLOUT_RUNNING(`rollout ${running.id} (${running.version}) is at stage ${running.stage + 1} of ${running.stages.length}`);
        input.stages.forEach((s, i) => {
          if (s.groupIds.length === 0 && i < input.stages.length - 1) throw AgentUpgradeErrors.INVALID_STAGES(`stage ${i + 1} has no host groups; only the last stage may mean every host`);
        });
        const ids = [...new Set(input.stages.flatMap((s) => s.groupIds))];
        const existing = await store.groupIdsExisting(ids);
        const missing = ids.filter((id) => !existing.has(id));
        if (missing.length > 0) throw AgentUpgradeErrors.GROUP_NOT_FOUND(`host group ${missing.join(', ')}`);
        const t = now();
        const rollout = await store.insertRollout({
          version: input.version,
          stages: input.stages.map((s) => ({ groupIds: s.groupIds })),
          stage: 0,
          promoteAtPercent: input.promoteAtPercent,
          autoPromote: input.autoPromote,
          state: 'running',
          createdBy: actor,
          createdAt: t,
          updatedAt: t,
        });
        await offer(rollout);
        return present(await advance(rollout));
      });
    },

    promote(id) {
      return serial(async () => {
        const rollout = await mustGet(id);
        if (rollout.state !== 'running') throw AgentUpgradeErrors.ROLLOUT_ENDED(`rollout ${id} is ${rollout.state}`);
        if (rollout.stage >= rollout.stages.length - 1) throw AgentUpgradeErrors.LAST_STAGE(`rollout ${id} has ${rollout.stages.length} stage(s)`);
        const next = { ...rollout, stage: rollout.stage + 1 };
        await store.updateRollout(id, { stage: next.stage }, now());
        await offer(next);
        return present(await advance(next));
      });
    },

    abort(id) {
      return serial(async () => {
        const rollout = await mustGet(id);
        if (rollout.state !== 'running') throw AgentUpgradeErrors.ROLLOUT_ENDED(`rollout ${id} is ${rollout.state}`);
        await store.updateRollout(id, { state: 'aborted' }, now());
        deps.systemLog.write('info', 'agent-upgrades', `agent upgrade rollout ${id} to ${rollout.version} aborted at stage ${rollout.stage + 1}`, { rolloutId: id });
        return present({ ...rollout, state: 'aborted' });
      });
    },

    async hosts() {
      const versions = new Map((await store.listRollouts()).map((r) => [r.id, r.version]));
      return (await store.hosts()).map((h) => {
        const version = h.rolloutId === null ? undefined : versions.get(h.rolloutId);
        return {
          hostId: h.hostId,
          name: h.name,
          agentVersion: h.agentVersion,
          platform: h.platform,
          upgrade:
            h.rolloutId !== null && h.status !== null && version !== undefined
              ? { rolloutId: h.rolloutId, version, stage: h.stage ?? 0, status: h.status, reason: h.reason, updatedAt: h.updatedAt ?? 0 }
              : null,
          lastUpgrade: h.lastUpgrade,
        };
      });
    },

    async host(hostId) {
      return (await this.hosts()).find((h) => h.hostId === hostId);
    },

    async approvedFile(version, file) {
      const platform = /^prophasis-agent-(.+)\.tar\.gz$/.exec(file)?.[1];
      if (!platform) return undefined;
      const pkg = await store.findApproved(version, platform);
      return pkg ? { path: join(config.dataDir, pkg.file), sha256: pkg.sha256, size: pkg.size } : undefined;
    },

    handleState(agentId, message) {
      const body = message.body;
      if (body.status !== 'online') return Promise.resolve();
      return serial(async () => {
        const host = await store.hostByAgent(agentId);
        if (!host) return;
        const platform = body.platform && body.arch ? `${body.platform}-${body.arch}` : null;
        await store.recordReported(host.hostId, platform, body.upgrade ?? null, now());
        const rollout = await store.runningRollout();
        if (!rollout) return;
        if (host.rolloutId === rollout.id && host.stage !== null) {
          const stage = host.stage;
          if (body.agentVersion === rollout.version && host.status !== 'upgraded') {
            await store.setHostStatus(host.hostId, { rolloutId: rollout.id, stage, status: 'upgraded', reason: null }, now());
          } else if (
            body.agentVersion !== rollout.version &&
            body.upgrade &&
            body.upgrade.to === rollout.version &&
            FAILED_UPGRADE_STATES.has(body.upgrade.state) &&
            body.upgrade.at >= (host.offeredAt ?? 0) &&
            host.status !== 'failed'
          ) {
            const reason = `${body.upgrade.state}: ${body.upgrade.reason ?? 'no reason given'}`;
            await store.setHostStatus(host.hostId, { rolloutId: rollout.id, stage, status: 'failed', reason }, now());
            deps.systemLog.write('warn', 'agent-upgrades', `${host.name}: the upgrade to ${rollout.version} did not take (${reason}); it runs ${body.agentVersion ?? 'its previous version'}`, { hostId: host.hostId, rolloutId: rollout.id });
          } else if (host.status === 'offered' && body.agentVersion !== rollout.version) {
            await offer(rollout, host.hostId);
          }
        } else {
          // A host that joined a stage's groups, enrolled, or first said its platform since the offer went out.
          await offer(rollout, host.hostId);
        }
        await advance((await store.getRollout(rollout.id)) ?? rollout);
      });
    },

    membershipChanged() {
      return serial(async () => {
        const rollout = await store.runningRollout();
        if (!rollout) return;
        await offer(rollout);
        await advance((await store.getRollout(rollout.id)) ?? rollout);
      });
    },

    handleRes(agentId, message) {
      if (message.type !== 'agent.upgrade.status') return Promise.resolve();
      const { rolloutId, version, status, reason } = message.body;
      return serial(async () => {
        const host = await store.hostByAgent(agentId);
        if (!host || host.rolloutId !== rolloutId || host.status === 'upgraded') return;
        await store.setHostStatus(host.hostId, { rolloutId, stage: host.stage ?? 0, status, reason: reason ?? null }, now());
        if (status === 'refused') {
          deps.systemLog.write('warn', 'agent-upgrades', `${host.name} refused agent ${version}: ${reason ?? 'no reason given'}`, { hostId: host.hostId, rolloutId, version });
        } else {
          log.info({ hostId: host.hostId, rolloutId, version }, 'agent downloaded and verified the package; root installs it');
        }
        const rollout = await store.getRollout(rolloutId);
        if (rollout) await advance(rollout);
      });
    },
  };
}
