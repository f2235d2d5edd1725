import { worstSeverity, type Severity } from '@prophasis/protocol';

/** How a host's severity counts inside a service (docs/services.md, "What counts as failed"). */
export type HostCondition = 'failed' | 'degraded' | 'unknown' | 'ok';

/**
 * `major` and `minor` (and `critical`, which hosts never have) are failed; `degraded` is working
 * but impaired; `unknown` and `no_data` say nothing either way; `ok` is healthy.
 */
export function hostCondition(severity: Severity): HostCondition {
  switch (severity) {
    case 'critical':
    case 'major':
    case 'minor':
      return 'failed';
    case 'degraded':
      return 'degraded';
    case 'unknown':
    case 'no_data':
      return 'unknown';
    case 'ok':
      return 'ok';
  }
}

/** A service with its groups already expanded to hosts (nested members included). */
export interface ServiceDefinition {
  id: number;
  name: string;
  /** Each must be healthy: every one of its hosts. A host dependency has one host. */
  dependencies: readonly { name: string; hostIds: readonly number[] }[];
  /** In each, at least one host must be healthy. Group members contribute all their hosts. */
  redundancyGroups: readonly { name: string; hostIds: readonly number[] }[];
}

/** What one dependency or redundancy group contributed to the service. */
export interface ServicePart {
  kind: 'dependency' | 'redundancy';
  name: string;
  severity: Severity;
}

export interface ServiceEvaluation {
  severity: Severity;
  parts: ServicePart[];
}

/**
 * A dependency is `critical` when any of its hosts failed, else `degraded` when any is degraded,
 * else `unknown` when any is unknown/no_data (or it has no host at all: nothing is known to be
 * healthy), else `ok`.
 */
export function dependencySeverity(hostSeverities: readonly Severity[]): Severity {
  if (hostSeverities.length === 0) return 'unknown';
  const conditions = new Set(hostSeverities.map(hostCondition));
  if (conditions.has('failed')) return 'critical';
  if (conditions.has('degraded')) return 'degraded';
  if (conditions.has('unknown')) return 'unknown';
  return 'ok';
}

/**
 * A redundancy group is `critical` when no member is up (all failed, or no member at all);
 * `unknown` when none is known to be up but some are unknown (it may still be serving); when
 * at least one member is up (ok or degraded) it is `degraded` if any member failed or is
 * degraded, `unknown` if any is unknown, else `ok`.
 */
export function redundancySeverity(hostSeverities: readonly Severity[]): Severity {
  const conditions = hostSeverities.map(hostCondition);
  const up = conditions.some((c) => c === 'ok' || c === 'degraded');
  if (!up) return conditions.includes('unknown') ? 'unknown' : 'critical';
  if (conditions.includes('failed') || conditions.includes('degraded')) return 'degraded';
  if (conditions.includes('unknown')) return 'unknown';
  return 'ok';
}

/**
 * A service's health (docs/services.md): the worst contribution of its dependencies and
 * redundancy groups in the protocol's severity order (critical > degraded > unknown > ok); a
 * service with neither is `no_data`. `hostSeverity` gives each host's state (the state model's
 * host severity: core/src/state).
 */
export function evaluateService(service: ServiceDefinition, hostSeverity: (hostId: number) => Severity): ServiceEvaluation {
  const parts: ServicePart[] = [
    ...service.dependencies.map((d) => ({ kind: 'dependency' as const, name: d.name, severity: dependencySeverity(d.hostIds.map(hostSeverity)) })),
    ...service.redundancyGroups.map((g) => ({ kind: 'redundancy' as const, name: g.name, severity: redundancySeverity(g.hostIds.map(hostSeverity)) })),
  ];
  return { severity: worstSeverity(parts.map((p) => p.severity), 'no_data'), parts };
}
