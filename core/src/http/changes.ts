import type { FastifyBaseLogger } from 'fastify';
import type { ApiDeps } from './context.js';

/** Who must hear about a change of one kind of configuration. */
interface Effects {
  /** Alerting caches its rules (alerts with their scopes, resolved through groups and checks). */
  alerts?: true;
  /** Service health depends on the services' structure and on hosts and groups. */
  services?: true;
  /** The dispatcher's plans depend on hosts, groups, checks, schedules, plugins and `maxLatenessMs`. */
  plans?: true;
}

/** By the first path segment after `/api`. Users, sessions and setup change nothing downstream. */
const EFFECTS: Readonly<Record<string, Effects>> = {
  hosts: { alerts: true, services: true, plans: true },
  groups: { alerts: true, services: true, plans: true },
  services: { alerts: true, services: true },
  alerts: { alerts: true },
  checks: { alerts: true, plans: true },
  schedules: { plans: true },
  plugins: { alerts: true, plans: true },
  // Installing from a registry and rollouts change which plugin versions agents should run.
  marketplace: { alerts: true, plans: true },
  settings: { plans: true },
};

/** The resource a route URL belongs to: `/api/hosts/:id/enrolment` → `hosts`. */
export function resourceOf(routeUrl: string): string | undefined {
  return /^\/api\/([^/]+)/.exec(routeUrl)?.[1];
}

/**
 * Tells the subsystems that cache or derive from the configuration that it changed, after a
 * successful change through the API. Nothing is awaited: the response does not wait for a
 * service recompute, and a failure there is logged, not turned into a failed request (the
 * change itself is committed; the services' periodic resync catches up).
 */
export function notifyConfigChanged(deps: Pick<ApiDeps, 'alerting' | 'services' | 'plans'>, routeUrl: string, log: FastifyBaseLogger): void {
  const resource = resourceOf(routeUrl);
  const effects = resource === undefined ? undefined : EFFECTS[resource];
  if (!effects) return;
  if (effects.alerts) deps.alerting?.invalidate();
  if (effects.plans) deps.plans?.notifyConfigChanged();
  if (effects.services && deps.services) {
    deps.services.recomputeAll().catch((err: unknown) => log.error({ err, resource }, 'recomputing service health after a change failed'));
  }
}
