/**
 * Staged rollout (docs/marketplace.md): a new version of a plugin goes first to the hosts of
 * some host groups, and to everyone once promoted. Stored in the settings table under
 * {@link ROLLOUTS_SETTING}; the plan builder asks {@link versionForHost} which version a host runs.
 */
interface PluginRollout {
  /** The version being rolled out. */
  version: string;
  /** Host-group ids whose hosts get it (and anything newer) before everyone else; empty once aborted. */
  groups: number[];
  /** When it was created or last changed (epoch ms). */
  startedAt?: number;
  /** When it was aborted: the version and anything newer go to no host until promoted or rolled out again. */
  abortedAt?: number;
}

/** Rollouts by reverse-DNS plugin id. A plugin without an entry goes to every host at once. */
export type PluginRollouts = Record<string, PluginRollout>;

export const ROLLOUTS_SETTING = 'pluginRollouts';

/**
 * Which version of `pluginId` a host runs, given every group it belongs to (directly or through
 * nesting: the caller expands), the rollouts, and the plugin's USABLE versions (approved, key
 * trusted: `repository.listVersions(...).filter(v => v.usable)`).
 *
 * - No rollout: the newest usable version.
 * - A host in one of the rollout's groups: the newest usable version (the rolled-out one as soon
 *   as it is approved; until then what it ran before).
 * - Any other host: the newest usable version LOWER than the rolled-out one, so neither it nor
 *   anything published after it reaches them before promotion. `undefined` when there is none
 *   (a plugin new to the site runs only in the rollout groups until promoted).
 *
 * Pure: no I/O, no clock. `compare` is semver precedence (core/src/plugins/semver.ts).
 */
export function versionForHost(
  pluginId: string,
  hostGroups: Iterable<number>,
  rollouts: PluginRollouts,
  versions: readonly string[],
  compare: (a: string, b: string) => number,
): string | undefined {
  const newestFirst = [...versions].sort((a, b) => compare(b, a));
  const rollout = Object.hasOwn(rollouts, pluginId) ? rollouts[pluginId] : undefined;
  if (!rollout) return newestFirst[0];
  const groups = new Set(hostGroups);
  if (rollout.groups.some((g) => groups.has(g))) return newestFirst[0];
  return newestFirst.find((v) => compare(v, rollout.version) < 0);
}
