/** Who must hear about a change of one kind of configuration. */
export interface ConfigEffects {
  /** Alerting caches its rules (alerts with their scopes, resolved through groups and checks). */
  alerts?: true;
  /** Service health depends on the services' structure and on hosts and groups. */
  services?: true;
  /** The dispatcher's plans depend on hosts, groups, checks, schedules, plugins and `maxLatenessMs`. */
  plans?: true;
}

/** By the first path segment after `/api`. Users, sessions and setup change nothing downstream. */
const EFFECTS: Readonly<Record<string, ConfigEffects>> = {
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
function resourceOf(routeUrl: string): string | undefined {
  return /^\/api\/([^/]+)/.exec(routeUrl)?.[1];
}

/** Who must hear that configuration of this resource changed; undefined: nobody (users, sessions). */
export function configEffects(resource: string): ConfigEffects | undefined {
  return Object.hasOwn(EFFECTS, resource) ? EFFECTS[resource] : undefined;
}

/**
 * The `config.changed` event a successful change through this route publishes, or undefined
 * when the route changes nothing downstream. The composition root subscribes the subsystems
 * that cache or derive from the configuration (alerting, service health, plans).
 */
export function configChangeOf(routeUrl: string): string | undefined {
  const resource = resourceOf(routeUrl);
  return resource !== undefined && configEffects(resource) ? resource : undefined;
}
