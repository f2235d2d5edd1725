import type { Transition } from './feed.js';
import type { AlertRule } from './rules.js';

/**
 * Whether an alert's scopes cover a transition (docs/alerts.md, "Scopes"):
 *
 * - no scope at all → nothing (an alert whose scopes were all deleted must not suddenly match
 *   everything);
 * - a service transition → its service is among the service scopes;
 * - a host transition → the host condition AND the plugin condition hold:
 *   - host condition: the alert has no host/group scope, or the host is a scoped host or a
 *     member (nested included) of a scoped group;
 *   - plugin condition: without plugin/check scopes only the host's own severity (`pluginId`
 *     null) matches, so one incident gives one alert, not one per plugin plus one for the host;
 *     with them only plugin transitions match whose plugin is a scoped plugin or is run by a
 *     scoped check on that host;
 *   - an alert with only service scopes matches no host transition.
 */
export function scopesMatch(rule: AlertRule, t: Transition): boolean {
  const s = rule.scopes;
  if (t.serviceId !== null) return s.serviceIds.has(t.serviceId);
  if (t.hostId === null) return false;
  const restrictsPlugins = s.pluginIds.size > 0 || s.checks.length > 0;
  if (!s.restrictsHosts && !restrictsPlugins) return false;
  if (s.restrictsHosts && !s.hostIds.has(t.hostId)) return false;
  if (!restrictsPlugins) return t.pluginId === null;
  if (t.pluginId === null) return false;
  const hostId = t.hostId;
  const pluginId = t.pluginId;
  return s.pluginIds.has(pluginId) || s.checks.some((c) => c.hostIds.has(hostId) && c.pluginIds.has(pluginId));
}

/** A transition matches an alert when its from ∈ fromStates, its to ∈ toStates and the scopes cover it. */
export function alertMatches(rule: AlertRule, t: Transition): boolean {
  return rule.fromStates.has(t.from) && rule.toStates.has(t.to) && scopesMatch(rule, t);
}

/** Every (alert, transition) pair that matches, in transition order, then alert order. */
export function matchTransitions(rules: readonly AlertRule[], batch: readonly Transition[]): { rule: AlertRule; transition: Transition }[] {
  const out: { rule: AlertRule; transition: Transition }[] = [];
  for (const transition of batch) for (const rule of rules) if (alertMatches(rule, transition)) out.push({ rule, transition });
  return out;
}
