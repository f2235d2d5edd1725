import { compareSemver } from '@prophasis/protocol';
import type { PluginVersion } from '../db/index.js';

/** A stored plugin version as planning and classification read it. */
export interface PluginVersionRow {
  pluginRowId: number;
  version: string;
  sha256: string;
  /** Null while not approved. */
  approvedCapabilities: readonly string[] | null;
  historyCount: number;
  defaultClassifier: string;
  timeoutMs?: number;
}

/** The newest approved version of each plugin (by row id), by semantic-version precedence. */
export function newestApproved(versions: readonly PluginVersionRow[]): Map<number, PluginVersionRow> {
  const newest = new Map<number, PluginVersionRow>();
  for (const v of versions) {
    if (v.approvedCapabilities === null) continue;
    const best = newest.get(v.pluginRowId);
    if (!best || compareSemver(v.version, best.version) > 0) newest.set(v.pluginRowId, v);
  }
  return newest;
}

/** A `plugin_versions` row as planning and classification read it (the manifest's timeout when it was read). */
export function pluginVersionRow(
  v: Pick<PluginVersion, 'pluginId' | 'version' | 'bundleSha256' | 'approvedCapabilities' | 'historyCount' | 'defaultClassifier'> & { manifest?: unknown },
): PluginVersionRow {
  const timeoutMs = (v.manifest as { limits?: { timeoutMs?: number } } | null | undefined)?.limits?.timeoutMs;
  return {
    pluginRowId: v.pluginId,
    version: v.version,
    sha256: v.bundleSha256,
    approvedCapabilities: v.approvedCapabilities ?? null,
    historyCount: v.historyCount ?? 1,
    defaultClassifier: v.defaultClassifier,
    ...(typeof timeoutMs === 'number' ? { timeoutMs } : {}),
  };
}
