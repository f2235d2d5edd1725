import type { ClassifierOverrides } from '../classification/index.js';
import { newestApproved } from '../plugins/index.js';
import type { ConfigRows, HostInfo } from './load.js';
import type { buildPlans, HostPlan, PlannedEntry } from './plan.js';

/** A usable plugin version outside any plan, for "Run now" of a plugin no check schedules. */
interface DeliverableVersion {
  pluginRowId: number;
  pluginId: string;
  version: string;
  sha256: string;
  capabilities: string[];
  historyCount: number;
  defaultClassifier: string;
  timeoutMs?: number;
}

/** One consistent view of the plans and what the pipeline derives from the configuration. */
export interface PipelineSnapshot {
  plans: ReadonlyMap<number, HostPlan>;
  hosts: ReadonlyMap<number, HostInfo>;
  hostByAgent: ReadonlyMap<string, number>;
  /** Entries by host, then by key `${checkId}:${pluginId}`. */
  entries: ReadonlyMap<number, ReadonlyMap<string, PlannedEntry>>;
  hostGroups: ReadonlyMap<number, ReadonlyMap<number, number>>;
  /** Each device's effective collector host (docs/devices.md). */
  collectors: ReadonlyMap<number, number>;
  overrides: ClassifierOverrides;
  deliverable: ReadonlyMap<string, DeliverableVersion>;
  maxLatenessMs: number;
  /** When the snapshot was computed (epoch ms). */
  at: number;
}

/**
 * The snapshot of one recompute: the plans, the hosts and their agents, every planned entry by
 * key, the host groups and overrides the classifier resolution needs, and what "Run now" may
 * deliver outside any plan (the newest approved version of every plugin not excluded).
 */
export function snapshotOf(rows: ConfigRows, built: ReturnType<typeof buildPlans>, at: number): PipelineSnapshot {
  const hostByAgent = new Map<string, number>();
  for (const h of rows.hosts.values()) if (h.agentId && h.enrolled) hostByAgent.set(h.agentId, h.id);
  const entries = new Map<number, Map<string, PlannedEntry>>();
  for (const [hostId, plan] of built.plans) entries.set(hostId, new Map(plan.entries.map((e) => [e.entry.key, e])));
  const deliverable = new Map<string, DeliverableVersion>();
  const pluginById = new Map(rows.input.plugins.map((p) => [p.id, p.pluginId]));
  const excluded = new Set(built.excluded.map((e) => e.pluginId));
  for (const [rowId, v] of newestApproved(rows.input.versions)) {
    const pluginId = pluginById.get(rowId);
    if (!pluginId || excluded.has(pluginId)) continue;
    deliverable.set(pluginId, {
      pluginRowId: rowId,
      pluginId,
      version: v.version,
      sha256: v.sha256,
      capabilities: [...(v.approvedCapabilities ?? [])].sort(),
      historyCount: v.historyCount,
      defaultClassifier: v.defaultClassifier,
      ...(v.timeoutMs !== undefined ? { timeoutMs: v.timeoutMs } : {}),
    });
  }
  return {
    plans: built.plans,
    hosts: rows.hosts,
    hostByAgent,
    entries,
    hostGroups: built.hostGroups,
    collectors: built.collectors,
    overrides: rows.overrides,
    deliverable,
    maxLatenessMs: rows.input.maxLatenessMs,
    at,
  };
}
