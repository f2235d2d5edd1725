import { compareSeverity, isSeverity, type PluginVersionInfo, type RolloutProgress, type Severity } from '@prophasis/protocol';
import type { Database } from '../db/index.js';
import { loadGroupHosts } from '../inventory/index.js';

/** Stage hosts listed by name in a rollout's progress; the counts cover all of them. */
const MAX_LISTED = 100;

/**
 * How far each rollout got, for the console's Staged rollouts page: the hosts of its groups
 * (nested groups expanded, as the plan builder does) with the plugin's current state on each,
 * worst first, and whether the agent listed the rolled-out bundle at its last connection. Reads
 * the groups, hosts and states once for all rollouts.
 *
 * `versions` gives a plugin's versions as the repository lists them (`usable`, `sha256`), or
 * an empty list for a plugin it no longer has.
 */
export async function rolloutProgress(
  db: Database,
  rollouts: readonly { pluginId: string; version: string; groups: readonly number[] }[],
  versions: (pluginId: string) => Promise<PluginVersionInfo[]>,
): Promise<Map<string, RolloutProgress>> {
  const out = new Map<string, RolloutProgress>();
  if (rollouts.length === 0) return out;
  const [hostsOfGroups, hosts, plugins] = await Promise.all([
    loadGroupHosts(db),
    db.models.Host.findAll({ attributes: ['id', 'name', 'bundles'] }),
    db.models.Plugin.findAll({ where: { pluginId: rollouts.map((r) => r.pluginId) }, attributes: ['id', 'pluginId'] }),
  ]);
  const pluginRow = new Map(plugins.map((p) => [p.pluginId, p.id]));
  const states = plugins.length ? await db.models.CurrentState.findAll({ where: { pluginId: plugins.map((p) => p.id) }, attributes: ['hostId', 'pluginId', 'severity', 'since'] }) : [];
  const stateOf = new Map(states.map((s) => [`${s.hostId}|${s.pluginId}`, s]));
  const hostById = new Map(hosts.map((h) => [h.id, h]));
  for (const rollout of rollouts) {
    const version = (await versions(rollout.pluginId)).find((v) => v.version === rollout.version);
    const row = pluginRow.get(rollout.pluginId);
    const stage = [...hostsOfGroups(rollout.groups)].flatMap((hostId) => {
      const host = hostById.get(hostId);
      if (!host) return [];
      const state = row === undefined ? undefined : stateOf.get(`${hostId}|${row}`);
      const severity: Severity = state && isSeverity(state.severity) ? state.severity : 'no_data';
      const reported = version !== undefined && Array.isArray(host.bundles) && host.bundles.includes(version.sha256);
      return [{ hostId, name: host.name, severity, since: state ? Number(state.since) : null, reported }];
    });
    stage.sort((a, b) => compareSeverity(a.severity, b.severity) || a.name.localeCompare(b.name));
    const severities: Record<string, number> = {};
    for (const h of stage) severities[h.severity] = (severities[h.severity] ?? 0) + 1;
    out.set(rollout.pluginId, {
      usable: version?.usable ?? false,
      hostsTotal: hosts.length,
      stageTotal: stage.length,
      reportedTotal: stage.filter((h) => h.reported).length,
      severities,
      stage: stage.slice(0, MAX_LISTED),
    });
  }
  return out;
}
