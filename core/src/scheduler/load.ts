import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Database } from '../db/index.js';
import { ROLLOUTS_SETTING, type PluginRollouts } from '../marketplace/index.js';
import { readSettings } from '../db/index.js';
import { overridesFromRows, type ClassifierOverrides } from '../classification/index.js';
import { pluginVersionRow } from '../plugins/index.js';
import type { PlanInput } from './plan.js';
import type { SecretBox } from '../kernel/index.js';
import { loadGroupCollectors } from '../inventory/index.js';

/** Everything the pipeline reads from the configuration tables in one pass. */
export interface ConfigRows {
  input: Omit<PlanInput, 'usable'>;
  overrides: ClassifierOverrides;
  /** Enrolment and presence of every host, for dispatch and the no_data sweep. */
  hosts: Map<number, HostInfo>;
}

export interface HostInfo {
  id: number;
  agentId: string | null;
  enrolled: boolean;
  /** Bundles the agent last reported (hosts.bundles). */
  bundles: readonly string[];
  connectedSince: number | null;
  unreachableSince: number | null;
}

/**
 * A check's parameters with its secret ones opened (docs/devices.md, "Credentials"): the plan
 * is the one place they travel in clear, to the agent over its TLS connection. Secrets that
 * cannot be opened (no key, another key, altered) are left out: the plugin then reports the
 * missing parameter, the plan is still built.
 */
function withSecrets(params: Record<string, unknown>, sealed: string | null, box: Pick<SecretBox, 'open'> | undefined): Record<string, unknown> {
  if (!sealed || !box) return params;
  try {
    const opened: unknown = JSON.parse(box.open(sealed));
    if (!opened || typeof opened !== 'object' || Array.isArray(opened)) return params;
    return { ...params, ...(opened as Record<string, unknown>) };
  } catch {
    return params;
  }
}

/** The shape the marketplace stores under {@link ROLLOUTS_SETTING}; anything else reads as "no rollouts". */
const StoredRollouts = Type.Record(Type.String(), Type.Object({ version: Type.String(), groups: Type.Array(Type.Integer()) }));

/**
 * Reads the configuration tables (hosts, groups, checks, schedules, plugins, overrides,
 * settings). About a dozen plain SELECTs whatever the size: the dispatcher runs this every few
 * seconds and compares hashes, so it must stay cheap. Bundle bytes are never read here.
 */
export async function loadConfigRows(db: Database, secrets?: Pick<SecretBox, 'open'>): Promise<ConfigRows> {
  const m = db.models;
  const raw = { raw: true } as const;
  const [hosts, groupHosts, groupGroups, checkHosts, checkGroups, checkPlugins, plugins, versions, schedules, intervals, scheduleChecks, overrides, settings, rolloutRow] =
    await Promise.all([
      m.Host.findAll({ attributes: ['id', 'name', 'agentId', 'enrolmentState', 'bundles', 'connectedSince', 'unreachableSince', 'kind', 'address', 'collectorId'] }),
      m.HostGroupHost.findAll({ ...raw, attributes: ['groupId', 'hostId'] }),
      m.HostGroupGroup.findAll({ ...raw, attributes: ['parentId', 'childId'] }),
      m.CheckHost.findAll({ ...raw, attributes: ['checkId', 'hostId'] }),
      m.CheckGroup.findAll({ ...raw, attributes: ['checkId', 'groupId'] }),
      m.CheckPlugin.findAll({ attributes: ['checkId', 'pluginId', 'params', 'classifierOverride', 'secrets'] }),
      m.Plugin.findAll({ ...raw, attributes: ['id', 'pluginId'] }),
      m.PluginVersion.findAll({ attributes: ['pluginId', 'version', 'bundleSha256', 'approvedCapabilities', 'historyCount', 'defaultClassifier', 'manifest'] }),
      m.Schedule.findAll({ ...raw, attributes: ['id', 'enabled'] }),
      m.ScheduleInterval.findAll({ ...raw, attributes: ['scheduleId', 'startAt', 'everyMs'] }),
      m.ScheduleCheck.findAll({ ...raw, attributes: ['scheduleId', 'checkId'] }),
      m.ClassifierOverride.findAll({ attributes: ['pluginId', 'scopeKind', 'checkId', 'groupId', 'hostId', 'code'] }),
      readSettings(db),
      m.Setting.findByPk(ROLLOUTS_SETTING),
    ]);
  const groupCollectors = await loadGroupCollectors(db);
  // A malformed value must not stop planning: the marketplace API only writes valid ones.
  const storedRollouts: unknown = rolloutRow?.value;
  const rollouts: PluginRollouts = Value.Check(StoredRollouts, storedRollouts) ? storedRollouts : {};

  const hostInfo = new Map<number, HostInfo>();
  for (const h of hosts) {
    hostInfo.set(h.id, {
      id: h.id,
      agentId: h.agentId ?? null,
      enrolled: h.enrolmentState === 'enrolled' && !!h.agentId,
      bundles: Array.isArray(h.bundles) ? h.bundles : [],
      connectedSince: h.connectedSince == null ? null : Number(h.connectedSince),
      unreachableSince: h.unreachableSince == null ? null : Number(h.unreachableSince),
    });
  }

  return {
    input: {
      hosts: hosts.map((h) =>
        h.kind === 'device' ? { id: h.id, agentId: null, kind: 'device' as const, name: h.name, address: h.address ?? null, collectorId: h.collectorId ?? null } : { id: h.id, agentId: h.agentId ?? null },
      ),
      groupCollectors,
      groupHosts,
      groupGroups,
      checkHosts,
      checkGroups,
      checkPlugins: checkPlugins.map((cp) => ({ checkId: cp.checkId, pluginRowId: cp.pluginId, params: withSecrets((cp.params ?? {}) as Record<string, unknown>, cp.secrets ?? null, secrets) })),
      plugins,
      versions: versions.map(pluginVersionRow),
      schedules: schedules.map((s) => ({ id: s.id, enabled: !!s.enabled })),
      intervals: intervals.map((i) => ({ scheduleId: i.scheduleId, start: Number(i.startAt), everyMs: Number(i.everyMs) })),
      scheduleChecks,
      maxLatenessMs: settings.maxLatenessMs,
      rollouts,
    },
    overrides: overridesFromRows(overrides, checkPlugins),
    hosts: hostInfo,
  };
}
