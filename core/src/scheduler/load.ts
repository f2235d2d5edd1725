import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Database } from '../db/index.js';
import { ROLLOUTS_SETTING, type PluginRollouts } from '../marketplace/index.js';
import { readSettings } from '../db/index.js';
import { overridesFromRows, type ClassifierOverrides } from '../classification/index.js';
import { pluginVersionRow } from '../plugins/index.js';
import type { PlanInput } from './plan.js';

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

/** The shape the marketplace stores under {@link ROLLOUTS_SETTING}; anything else reads as "no rollouts". */
const StoredRollouts = Type.Record(Type.String(), Type.Object({ version: Type.String(), groups: Type.Array(Type.Integer()) }));

/**
 * Reads the configuration tables (hosts, groups, checks, schedules, plugins, overrides,
 * settings). About a dozen plain SELECTs whatever the size: the dispatcher runs this every few
 * seconds and compares hashes, so it must stay cheap. Bundle bytes are never read here.
 */
export async function loadConfigRows(db: Database): Promise<ConfigRows> {
  const m = db.models;
  const raw = { raw: true } as const;
  const [hosts, groupHosts, groupGroups, checkHosts, checkGroups, checkPlugins, plugins, versions, schedules, intervals, scheduleChecks, overrides, settings, rolloutRow] =
    await Promise.all([
      m.Host.findAll({ attributes: ['id', 'agentId', 'enrolmentState', 'bundles', 'connectedSince', 'unreachableSince'] }),
      m.HostGroupHost.findAll({ ...raw, attributes: ['groupId', 'hostId'] }),
      m.HostGroupGroup.findAll({ ...raw, attributes: ['parentId', 'childId'] }),
      m.CheckHost.findAll({ ...raw, attributes: ['checkId', 'hostId'] }),
      m.CheckGroup.findAll({ ...raw, attributes: ['checkId', 'groupId'] }),
      m.CheckPlugin.findAll({ attributes: ['checkId', 'pluginId', 'params', 'classifierOverride'] }),
      m.Plugin.findAll({ ...raw, attributes: ['id', 'pluginId'] }),
      m.PluginVersion.findAll({ attributes: ['pluginId', 'version', 'bundleSha256', 'approvedCapabilities', 'historyCount', 'defaultClassifier', 'manifest'] }),
      m.Schedule.findAll({ ...raw, attributes: ['id', 'enabled'] }),
      m.ScheduleInterval.findAll({ ...raw, attributes: ['scheduleId', 'startAt', 'everyMs'] }),
      m.ScheduleCheck.findAll({ ...raw, attributes: ['scheduleId', 'checkId'] }),
      m.ClassifierOverride.findAll({ attributes: ['pluginId', 'scopeKind', 'checkId', 'groupId', 'hostId', 'code'] }),
      readSettings(db),
      m.Setting.findByPk(ROLLOUTS_SETTING),
    ]);
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
      hosts: hosts.map((h) => ({ id: h.id, agentId: h.agentId ?? null })),
      groupHosts,
      groupGroups,
      checkHosts,
      checkGroups,
      checkPlugins: checkPlugins.map((cp) => ({ checkId: cp.checkId, pluginRowId: cp.pluginId, params: (cp.params ?? {}) as Record<string, unknown> })),
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
