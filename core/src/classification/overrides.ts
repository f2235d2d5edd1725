import type { Database } from '../db/index.js';

/**
 * Classifier overrides (docs/pipeline.md, "Classification"). A plugin's default classifier can
 * be replaced per check, per host and per host group; the most specific wins:
 *
 *   check  >  host  >  group (nearest group first)  >  the plugin version's default
 *
 * A check override is the most specific because a check is where an administrator says what
 * a measurement means (the same disk plugin in a "database disks" check and a "scratch disks"
 * check); a host override tunes one machine; a group override a class of machines. Among
 * groups, the one nearest to the host wins (a direct group beats the group that contains it);
 * equal distance: the lowest group id, so the answer never depends on row order.
 */

/** Where a resolved classifier came from. */
type ClassifierSource = 'check' | 'host' | 'group' | 'plugin';

/** Override code indexed by scope; keys are `${scopeId}:${pluginRowId}`. */
export interface ClassifierOverrides {
  byCheck: ReadonlyMap<string, string>;
  byHost: ReadonlyMap<string, string>;
  byGroup: ReadonlyMap<string, string>;
}

export const NO_OVERRIDES: ClassifierOverrides = { byCheck: new Map(), byHost: new Map(), byGroup: new Map() };

export interface ClassifierContext {
  pluginRowId: number;
  /** The plugin id and version, naming the default classifier in logs. */
  pluginKey: string;
  hostId: number;
  /** Null for a "Run now" outside any check. */
  checkId: number | null;
  /** The host's groups, direct and nested, with their distance (1 = direct member). */
  hostGroups: ReadonlyMap<number, number> | undefined;
  defaultClassifier: string;
}

export interface ResolvedClassifier {
  code: string;
  source: ClassifierSource;
  /** Names the classifier in logs, e.g. `check:7`, `group:3`, `plugin:io.prophasis.cpu-load@1.0.0`. */
  key: string;
}

/** Picks the classifier for one result by the precedence above. Pure. */
export function resolveClassifier(ctx: ClassifierContext, overrides: ClassifierOverrides): ResolvedClassifier {
  if (ctx.checkId !== null) {
    const code = overrides.byCheck.get(`${ctx.checkId}:${ctx.pluginRowId}`);
    if (code !== undefined) return { code, source: 'check', key: `check:${ctx.checkId}` };
  }
  const hostCode = overrides.byHost.get(`${ctx.hostId}:${ctx.pluginRowId}`);
  if (hostCode !== undefined) return { code: hostCode, source: 'host', key: `host:${ctx.hostId}` };
  if (ctx.hostGroups && overrides.byGroup.size > 0) {
    let best: { groupId: number; depth: number; code: string } | undefined;
    for (const [groupId, depth] of ctx.hostGroups) {
      const code = overrides.byGroup.get(`${groupId}:${ctx.pluginRowId}`);
      if (code === undefined) continue;
      if (!best || depth < best.depth || (depth === best.depth && groupId < best.groupId)) best = { groupId, depth, code };
    }
    if (best) return { code: best.code, source: 'group', key: `group:${best.groupId}` };
  }
  return { code: ctx.defaultClassifier, source: 'plugin', key: `plugin:${ctx.pluginKey}` };
}

/** A row of `classifier_overrides`, as read. */
export interface OverrideRow {
  pluginId: number;
  scopeKind: string;
  checkId?: number | null;
  groupId?: number | null;
  hostId?: number | null;
  code: string;
}

/** Indexes override rows and the checks' own classifier column (`check_plugins.classifier_override`). */
export function overridesFromRows(
  overrides: readonly OverrideRow[],
  checkPlugins: readonly { checkId: number; pluginId: number; classifierOverride?: string | null }[],
): ClassifierOverrides {
  const byCheck = new Map<string, string>();
  const byHost = new Map<string, string>();
  const byGroup = new Map<string, string>();
  for (const o of overrides) {
    if (o.scopeKind === 'check' && o.checkId != null) byCheck.set(`${o.checkId}:${o.pluginId}`, o.code);
    else if (o.scopeKind === 'host' && o.hostId != null) byHost.set(`${o.hostId}:${o.pluginId}`, o.code);
    else if (o.scopeKind === 'group' && o.groupId != null) byGroup.set(`${o.groupId}:${o.pluginId}`, o.code);
  }
  // The check's own column is the same scope as a check override and wins over it: it is what
  // the check editor writes.
  for (const cp of checkPlugins) if (cp.classifierOverride) byCheck.set(`${cp.checkId}:${cp.pluginId}`, cp.classifierOverride);
  return { byCheck, byHost, byGroup };
}

/** Every override, read from the database now (two queries). */
export async function loadClassifierOverrides(db: Database): Promise<ClassifierOverrides> {
  const [overrides, checkPlugins] = await Promise.all([
    db.models.ClassifierOverride.findAll({ attributes: ['pluginId', 'scopeKind', 'checkId', 'groupId', 'hostId', 'code'] }),
    db.models.CheckPlugin.findAll({ attributes: ['checkId', 'pluginId', 'classifierOverride'] }),
  ]);
  return overridesFromRows(overrides, checkPlugins);
}
