import type { Interval, PlanEntry } from '@prophasis/protocol';
import { createHash } from 'node:crypto';
import { compareSemver } from '@prophasis/protocol';
import { effectiveCollectors, expandGroups, type GroupCollectorRow } from '../inventory/index.js';
import type { PluginVersionRow } from '../plugins/index.js';
import { versionForHost, type PluginRollouts } from '../marketplace/index.js';

/**
 * The configuration rows a plan is built from (docs/pipeline.md, "Plans"). Plain data, so the
 * builder is a pure function that tests feed directly and the loader fills from the database.
 */
export interface PlanInput {
  /** Devices (`kind: 'device'`, docs/devices.md) carry their name, address and own collector. */
  hosts: readonly { id: number; agentId: string | null; kind?: 'agent' | 'device'; name?: string; address?: string | null; collectorId?: number | null }[];
  /** Groups' collectors, inherited by their devices that name none. */
  groupCollectors?: readonly GroupCollectorRow[];
  /** Direct host members of groups. */
  groupHosts: readonly { groupId: number; hostId: number }[];
  /** Group members of groups (nesting); cycles are tolerated here although the API refuses them. */
  groupGroups: readonly { parentId: number; childId: number }[];
  checkHosts: readonly { checkId: number; hostId: number }[];
  checkGroups: readonly { checkId: number; groupId: number }[];
  checkPlugins: readonly { checkId: number; pluginRowId: number; params: Record<string, unknown> }[];
  plugins: readonly { id: number; pluginId: string }[];
  versions: readonly PluginVersionRow[];
  schedules: readonly { id: number; enabled: boolean }[];
  intervals: readonly { scheduleId: number; start: number; everyMs: number }[];
  scheduleChecks: readonly { scheduleId: number; checkId: number }[];
  maxLatenessMs: number;
  /**
   * Staged rollouts (settings key `pluginRollouts`, docs/marketplace.md). Absent or empty: every
   * host gets the newest approved version of each plugin.
   */
  rollouts?: PluginRollouts;
  /**
   * Whether a plugin version may be delivered (approved for every capability it requests,
   * publisher key trusted). Only asked for the versions {@link plannableVersions} lists.
   */
  usable(pluginId: string, version: string): boolean;
}


/** A plan entry plus what the core needs about it but the agent does not. */
export interface PlannedEntry {
  entry: PlanEntry;
  checkRowId: number;
  pluginRowId: number;
  /** The plugin manifest's `history`: how many results the classifier sees. */
  historyCount: number;
  defaultClassifier: string;
  /** The device the entry runs against (its `entry.target.hostId`): results are that host's. */
  targetHostId?: number;
}

/** One host's plan: the entries sorted by key and a hash that changes iff the plan's content does. */
export interface HostPlan {
  hostId: number;
  agentId: string | null;
  maxLatenessMs: number;
  entries: PlannedEntry[];
  hash: string;
}

/** A plugin whose newest approved version cannot be delivered; the plugin is left out of every plan. */
interface ExcludedPlugin {
  pluginId: string;
  version: string;
  reason: string;
}

export interface PlanBuild {
  /** Every host, with an empty plan when nothing is scheduled on it. */
  plans: Map<number, HostPlan>;
  excluded: ExcludedPlugin[];
  /** Transitive groups of each host with their distance (1 = direct member), for classifier overrides. */
  hostGroups: Map<number, Map<number, number>>;
  /** Each device's effective collector host (docs/devices.md); a device without one is absent. */
  collectors: Map<number, number>;
}

function multiMap<K, V>(pairs: Iterable<[K, V]>): Map<K, V[]> {
  const out = new Map<K, V[]>();
  for (const [k, v] of pairs) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/** Deterministic JSON: object keys sorted, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The hash of what an agent receives: maxLateness and the entries. */
function planHash(maxLatenessMs: number, entries: readonly PlanEntry[]): string {
  return createHash('sha256').update(canonicalJson({ maxLatenessMs, entries })).digest('hex');
}

function mergeIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const map = new Map<string, Interval>();
  for (const i of [...a, ...b]) map.set(`${i.start}/${i.everyMs}`, i);
  return [...map.values()].sort((x, y) => x.start - y.start || x.everyMs - y.everyMs);
}


function approvedByPlugin(versions: readonly PluginVersionRow[]): Map<number, Map<string, PluginVersionRow>> {
  const out = new Map<number, Map<string, PluginVersionRow>>();
  for (const v of versions) {
    if (v.approvedCapabilities === null) continue;
    let byVersion = out.get(v.pluginRowId);
    if (!byVersion) out.set(v.pluginRowId, (byVersion = new Map()));
    byVersion.set(v.version, v);
  }
  return out;
}

/**
 * The versions {@link buildPlans} may pick, so a caller can ask usability (an async question)
 * for exactly these beforehand: the newest approved version of each plugin and, for a plugin
 * under a staged rollout, the newest approved version below the rolled-out one (what hosts
 * outside the rollout's groups run).
 */
export function plannableVersions(input: Pick<PlanInput, 'plugins' | 'versions' | 'rollouts'>): { pluginRowId: number; pluginId: string; version: string }[] {
  const out: { pluginRowId: number; pluginId: string; version: string }[] = [];
  const approved = approvedByPlugin(input.versions);
  for (const plugin of input.plugins) {
    const versions = [...(approved.get(plugin.id)?.keys() ?? [])];
    const picks = new Set<string>();
    const inside = versionForHost(plugin.pluginId, [], {}, versions, compareSemver);
    const outside = versionForHost(plugin.pluginId, [], input.rollouts ?? {}, versions, compareSemver);
    for (const v of [inside, outside]) if (v !== undefined) picks.add(v);
    for (const version of picks) out.push({ pluginRowId: plugin.id, pluginId: plugin.pluginId, version });
  }
  return out;
}

/**
 * Builds one plan per host from configuration rows: every enabled schedule × its checks × the
 * check's hosts (direct and through nested groups, deduplicated) × the check's plugins at the
 * version {@link versionForHost} picks for that host among the approved ones: the newest, or
 * under a staged rollout the newest below the rolled-out one for hosts outside its groups
 * (nesting included). The entry key is `${checkId}:${pluginId}` (a device's entries, on its
 * collector's plan: `${checkId}:${pluginId}@${deviceId}` with the `target`); a check reached by several
 * schedules gets one entry carrying the union of their intervals. A picked version that is not
 * usable is left out (older versions are not tried instead) and reported in `excluded`; a plugin
 * with no version to pick is silently absent (nothing to deliver yet). Pure: same input, same output.
 */
export function buildPlans(input: PlanInput): PlanBuild {
  const { hostsOfGroup, groupsOfHost } = expandGroups(input.groupHosts, input.groupGroups);
  const hostIds = new Set(input.hosts.map((h) => h.id));

  const pluginById = new Map(input.plugins.map((p) => [p.id, p]));
  const approved = approvedByPlugin(input.versions);
  const rollouts = input.rollouts ?? {};
  // Usability is asked once per version a host may get, in the order plugins are listed.
  const excluded: ExcludedPlugin[] = [];
  const unusable = new Set<string>();
  for (const p of plannableVersions(input)) {
    if (input.usable(p.pluginId, p.version)) continue;
    unusable.add(`${p.pluginRowId}@${p.version}`);
    const newest = versionForHost(p.pluginId, [], {}, [...(approved.get(p.pluginRowId)?.keys() ?? [])], compareSemver) === p.version;
    excluded.push({
      pluginId: p.pluginId,
      version: p.version,
      reason: `the ${newest ? 'newest approved version' : 'version planned outside the staged rollout'} is not usable (approval incomplete or publisher key no longer trusted)`,
    });
  }
  // The version a host gets of a plugin; undefined when there is none or it is not usable.
  const pickCache = new Map<string, PluginVersionRow | undefined>();
  const versionFor = (pluginRowId: number, hostId: number): PluginVersionRow | undefined => {
    const plugin = pluginById.get(pluginRowId);
    const byVersion = approved.get(pluginRowId);
    if (!plugin || !byVersion) return undefined;
    const groups = [...(groupsOfHost.get(hostId)?.keys() ?? [])];
    const cacheKey = `${pluginRowId}|${Object.hasOwn(rollouts, plugin.pluginId) ? hostId : ''}`;
    if (pickCache.has(cacheKey)) return pickCache.get(cacheKey);
    const picked = versionForHost(plugin.pluginId, groups, rollouts, [...byVersion.keys()], compareSemver);
    const row = picked === undefined || unusable.has(`${pluginRowId}@${picked}`) ? undefined : byVersion.get(picked);
    pickCache.set(cacheKey, row);
    return row;
  };

  // Intervals per check: union over the enabled schedules that contain it.
  const enabled = new Set(input.schedules.filter((s) => s.enabled).map((s) => s.id));
  const intervalsOf = multiMap(input.intervals.filter((i) => enabled.has(i.scheduleId)).map((i) => [i.scheduleId, { start: i.start, everyMs: i.everyMs }] as [number, Interval]));
  const checkIntervals = new Map<number, Interval[]>();
  for (const sc of input.scheduleChecks) {
    const intervals = intervalsOf.get(sc.scheduleId);
    if (!intervals || !enabled.has(sc.scheduleId)) continue;
    checkIntervals.set(sc.checkId, mergeIntervals(checkIntervals.get(sc.checkId) ?? [], intervals));
  }

  // Hosts per check: direct and through groups.
  const checkHostSets = new Map<number, Set<number>>();
  const hostsFor = (checkId: number) => {
    let set = checkHostSets.get(checkId);
    if (!set) checkHostSets.set(checkId, (set = new Set()));
    return set;
  };
  for (const r of input.checkHosts) hostsFor(r.checkId).add(r.hostId);
  for (const r of input.checkGroups) for (const h of hostsOfGroup.get(r.groupId) ?? []) hostsFor(r.checkId).add(h);

  const entriesOf = new Map<number, PlannedEntry[]>();
  for (const cp of input.checkPlugins) {
    const intervals = checkIntervals.get(cp.checkId);
    const plugin = pluginById.get(cp.pluginRowId);
    if (!intervals || !plugin) continue;
    const checkId = String(cp.checkId);
    // One entry object per version, shared by the hosts that run it.
    const entryOf = new Map<PluginVersionRow, PlanEntry>();
    for (const hostId of checkHostSets.get(cp.checkId) ?? []) {
      if (!hostIds.has(hostId)) continue;
      const version = versionFor(cp.pluginRowId, hostId);
      if (!version) continue;
      let entry = entryOf.get(version);
      if (!entry) {
        entry = {
          key: `${checkId}:${plugin.pluginId}`,
          checkId,
          pluginId: plugin.pluginId,
          version: version.version,
          sha256: version.sha256,
          params: cp.params ?? {},
          intervals,
          capabilities: [...(version.approvedCapabilities ?? [])].sort(),
          ...(version.timeoutMs !== undefined ? { timeoutMs: version.timeoutMs } : {}),
        };
        entryOf.set(version, entry);
      }
      let list = entriesOf.get(hostId);
      if (!list) entriesOf.set(hostId, (list = []));
      list.push({ entry, checkRowId: cp.checkId, pluginRowId: cp.pluginRowId, historyCount: version.historyCount, defaultClassifier: version.defaultClassifier });
    }
  }

  // Devices (docs/devices.md, "Targets"): a device's entries run on its collector, keyed by the
  // device too, so one plugin of one check runs for several devices; the device's own plan is empty.
  const collectors = effectiveCollectors(
    input.hosts.map((h) => ({ id: h.id, kind: h.kind ?? 'agent', collectorId: h.collectorId ?? null })),
    input.groupCollectors ?? [],
    groupsOfHost,
  );
  for (const device of input.hosts) {
    if (device.kind !== 'device') continue;
    const own = entriesOf.get(device.id) ?? [];
    entriesOf.delete(device.id);
    const collectorId = collectors.get(device.id);
    if (collectorId === undefined || !device.address) continue;
    const target = { hostId: device.id, address: device.address, name: device.name ?? String(device.id) };
    let list = entriesOf.get(collectorId);
    if (!list) entriesOf.set(collectorId, (list = []));
    for (const planned of own) list.push({ ...planned, entry: { ...planned.entry, key: `${planned.entry.key}@${device.id}`, target }, targetHostId: device.id });
  }

  const plans = new Map<number, HostPlan>();
  for (const host of input.hosts) {
    const entries = (entriesOf.get(host.id) ?? []).sort((a, b) => (a.entry.key < b.entry.key ? -1 : a.entry.key > b.entry.key ? 1 : 0));
    plans.set(host.id, {
      hostId: host.id,
      agentId: host.agentId,
      maxLatenessMs: input.maxLatenessMs,
      entries,
      hash: planHash(input.maxLatenessMs, entries.map((e) => e.entry)),
    });
  }
  return { plans, excluded, hostGroups: groupsOfHost, collectors };
}
