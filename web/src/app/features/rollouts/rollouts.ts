import { compareSemver, SEVERITIES, type Plugin, type RolloutsResponse, type Severity } from '../../core/protocol';

export type Rollout = RolloutsResponse['items'][number];

/** Where a rollout stands, in one word for the badge and a sentence for the card. */
type RolloutStatus = 'aborted' | 'waiting' | 'running';

export function rolloutStatus(r: Rollout): RolloutStatus {
  if (r.abortedAt != null || r.groups.length === 0) return 'aborted';
  if (r.progress && !r.progress.usable) return 'waiting';
  return 'running';
}

export const STATUS_TEXT: Readonly<Record<RolloutStatus, string>> = {
  running: 'Running on the stage',
  waiting: 'Waiting for approval',
  aborted: 'Aborted',
};

/** Counts per severity of the stage's hosts, in protocol order, for `p-severity-counts`. */
export function stageCounts(r: Rollout): { severity: Severity; count: number }[] {
  const counts = r.progress?.severities ?? {};
  return SEVERITIES.map((severity) => ({ severity, count: counts[severity] ?? 0 }));
}

/** Share of the stage whose agents reported the rolled-out bundle, 0–100 (0 for an empty stage). */
export function reportedPercent(r: Rollout): number {
  const p = r.progress;
  return p && p.stageTotal > 0 ? Math.round((100 * p.reportedTotal) / p.stageTotal) : 0;
}

/** A plugin's stored versions, newest first (semver precedence), for the version choice. */
export function versionChoices(plugin: Pick<Plugin, 'versions'> | undefined): string[] {
  if (!plugin) return [];
  return plugin.versions.map((v) => v.version).sort((a, b) => compareSemver(b, a));
}
