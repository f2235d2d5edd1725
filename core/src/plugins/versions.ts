import { compareSemver } from '@prophasis/protocol';

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
