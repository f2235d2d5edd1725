import type { Logger } from '@prophasis/protocol';
import type { FastifyInstance } from 'fastify';
import { alertActionRoutes, type AlertingApi } from './alerting/routes/alert-actions.js';
import { alertsResource } from './alerting/routes/alerts.js';
import { problemRoutes } from './alerting/routes/problems.js';
import { dependencyRoutes } from './dependencies/index.js';
import { alertTemplateRoutes, type AlertTemplatesApi } from './alerting/routes/templates.js';
import type { ActionLinks } from './alerting/action-links.js';
import { agentUpgradeRoutes, type AgentUpgrades } from './agent-upgrades/index.js';
import type { ApiTokens } from './auth/api-tokens.js';
import { apiTokenRoutes } from './auth/routes/api-tokens.js';
import { metricsRoutes, type Metrics, type MetricsAccess } from './metrics/index.js';
import { actionLinkRoutes } from './alerting/routes/action-links.js';
import type { AuditTrail } from './audit/audit.js';
import { auditRoutes } from './audit/routes/audit.js';
import type { Auth } from './auth/auth.js';
import { authRoutes } from './auth/routes/auth.js';
import { usersResource } from './auth/routes/users.js';
import type { ClassificationEngine } from './classification/index.js';
import { classifierRoutes } from './classification/routes/classifiers.js';
import { configRoutes, type ConfigAsCode } from './config-as-code/index.js';
import type { Database } from './db/index.js';
import type { AgentPackages } from './downloads/agent-packages.js';
import type { AgentTarball } from './downloads/agent-tarball.js';
import { downloadRoutes } from './downloads/routes.js';
import { hostActionRoutes, type EnrolmentApiDeps, type RunNow } from './enrolment/routes/host-actions.js';
import { fleetTokenRoutes } from './enrolment/routes/fleet-tokens.js';
import { registrationRuleRoutes } from './enrolment/routes/registration-rules.js';
import { housekeepingRoutes, type Housekeeper } from './housekeeping/index.js';
import { createApp, configEffects, registerResource, type ApiConfig, type RouteModule } from './http/index.js';
import { checksResource } from './inventory/routes/checks.js';
import { groupsResource } from './inventory/routes/groups.js';
import { collectorRoutes, hostsResource } from './inventory/routes/hosts.js';
import { schedulesResource } from './inventory/routes/schedules.js';
import type { EventBus, SecretBox } from './kernel/index.js';
import { marketplaceRoutes, type MarketplaceRouteDeps } from './marketplace/routes/marketplace.js';
import { pluginsResource } from './plugins/routes/plugins.js';
import { pluginRoutes, type PluginRouteDeps } from './plugins/routes/repository.js';
import { reportRoutes } from './reports/routes/reports.js';
import { dashboardReportRoutes } from './reports/routes/dashboard.js';
import { servicesResource } from './services/routes/services.js';
import { settingsRoutes } from './settings/routes/settings.js';
import { logRoutes } from './system-log/routes/logs.js';

/** What the REST API needs from the rest of the core: the features whose routes it serves. */
export interface ApiDeps {
  logger: Logger;
  db: Database;
  auth: Auth;
  audit: AuditTrail;
  events: EventBus;
  /** The agent package served at `/downloads/prophasis-agent.tgz`; absent in tests that do not need it. */
  agentTarball?: AgentTarball;
  /** The self-contained agent packages and install.sh (`/install.sh`, `/downloads/…`); absent in tests that do not need them. */
  agentPackages?: AgentPackages;
  /** The plugin repository's routes (upload, versions, approval, publishers); absent in tests that do not need them. */
  plugins?: PluginRouteDeps;
  /** The marketplace routes (browse registries, install); absent in tests that do not need them. */
  marketplace?: MarketplaceRouteDeps;
  /** The Lua engine, for the classifier routes (try over history, overrides); absent in tests that do not need them. */
  classification?: ClassificationEngine;
  /** "Run now"; without it `POST /api/hosts/:id/run` answers 503 `CORE_API_UNAVAILABLE`. */
  runNow?: RunNow;
  /** Enrolment from the console; without it the enrolment routes answer 503. */
  enrolment?: EnrolmentApiDeps;
  /** Alert modules, settings validation and Test; without it alerts are stored unvalidated and Test answers 503. */
  alerting?: AlertingApi;
  /** Service health: recomputed after hosts, groups or services changed. */
  services?: { recomputeAll(): Promise<void> };
  /** The dispatcher: told after every configuration change so plans follow within its debounce. */
  plans?: { notifyConfigChanged(): void };
  /** Notification templates per alert module (`/api/alert-templates`); absent in tests that do not need them. */
  alertTemplates?: AlertTemplatesApi;
  /** Signed links in notifications (`/act/<token>`, revocation under `/api/action-links`); absent in tests that do not need them. */
  actionLinks?: ActionLinks;
  /** Table sizes, the last housekeeping run and "Run now"; absent in tests that do not need them. */
  housekeeping?: Pick<Housekeeper, 'status' | 'run'>;
  /** API tokens (`/api/tokens`); the same service that `auth.authenticateBearer` asks. */
  apiTokens?: ApiTokens;
  /** `GET /metrics` in the Prometheus text format, for the allowed addresses or the metrics token. */
  metrics?: { metrics: Metrics; access: MetricsAccess };
  /** Configuration as code (`/api/config/export`, `/api/config/apply`); absent in tests that do not need it. */
  configAsCode?: ConfigAsCode;
  /** Agent upgrades from the console (`/api/agent-upgrades`, `/downloads/versions/…`); absent in tests that do not need them. */
  agentUpgrades?: AgentUpgrades;
  /** Seals checks' secret parameters at rest (docs/devices.md); without it a check naming a secret parameter is refused. */
  secrets?: SecretBox;
}

/** Every feature's `/api` routes, in the order they are registered, and the root routes. */
function apiRoutes(config: ApiConfig, deps: ApiDeps): { routes: RouteModule[]; rootRoutes: RouteModule[] } {
  const { db } = deps;
  const routes: RouteModule[] = [
    async (api) => {
      await authRoutes(api, config, deps.auth);
      if (deps.apiTokens) await apiTokenRoutes(api, deps.apiTokens);
      registerResource(api, db, hostsResource(db));
      registerResource(api, db, groupsResource(db));
      registerResource(api, db, pluginsResource(db));
      registerResource(api, db, checksResource(db, deps.secrets));
      registerResource(api, db, schedulesResource(db));
      registerResource(api, db, servicesResource(db));
      registerResource(api, db, alertsResource(db, deps.alerting));
      registerResource(api, db, usersResource(db, deps.auth));
      await settingsRoutes(api, db);
      await reportRoutes(api, db);
      await dashboardReportRoutes(api, db);
      await logRoutes(api, db);
      await auditRoutes(api, deps.audit);
      await hostActionRoutes(api, deps);
      await fleetTokenRoutes(api, deps);
      await registrationRuleRoutes(api, deps);
      await alertActionRoutes(api, db, deps.alerting);
      await problemRoutes(api, db, deps.actionLinks ? { links: deps.actionLinks } : {});
      await dependencyRoutes(api, db);
      await collectorRoutes(api, db);
    },
  ];
  const templates = deps.alertTemplates;
  if (templates) routes.push(async (api) => alertTemplateRoutes(api, db, templates));
  if (deps.plugins) routes.push(pluginRoutes(deps.plugins));
  if (deps.marketplace) routes.push(marketplaceRoutes(deps.marketplace));
  if (deps.classification) routes.push(classifierRoutes({ db, engine: deps.classification }));
  const housekeeping = deps.housekeeping;
  if (housekeeping) routes.push(async (api) => housekeepingRoutes(api, housekeeping));
  const configAsCode = deps.configAsCode;
  if (configAsCode) routes.push(async (api) => configRoutes(api, configAsCode));
  const upgrades = deps.agentUpgrades;
  if (upgrades) routes.push(async (api) => agentUpgradeRoutes(api, upgrades));
  const downloads = { tarball: deps.agentTarball, packages: deps.agentPackages, approved: upgrades };
  const rootRoutes: RouteModule[] = downloads.tarball || downloads.packages || downloads.approved ? [async (app: FastifyInstance) => downloadRoutes(app, downloads)] : [];
  const links = deps.actionLinks;
  if (links) rootRoutes.push(async (app: FastifyInstance) => actionLinkRoutes(app, links));
  const metrics = deps.metrics;
  if (metrics) rootRoutes.push(async (app: FastifyInstance) => metricsRoutes(app, metrics.metrics, metrics.access));
  return { routes, rootRoutes };
}

/**
 * Tells the subsystems that cache or derive from the configuration that it changed (the
 * `config.changed` events the server shell publishes after a successful change). Nothing is
 * awaited: the response does not wait for a service recompute, and a failure there is logged,
 * not turned into a failed request (the change itself is committed; the services' periodic
 * resync catches up). Returns the unsubscribe function.
 */
function followConfigChanges(deps: Pick<ApiDeps, 'events' | 'logger' | 'alerting' | 'services' | 'plans'>): () => void {
  return deps.events.on('config.changed', ({ resource }) => {
    const effects = configEffects(resource);
    if (!effects) return;
    if (effects.alerts) deps.alerting?.invalidate();
    if (effects.plans) deps.plans?.notifyConfigChanged();
    if (effects.services && deps.services) {
      deps.services.recomputeAll().catch((err: unknown) => deps.logger.error({ err, resource, component: 'http' }, 'recomputing service health after a change failed'));
    }
  });
}

/** The core's fastify app with every feature's routes, following configuration changes until it closes. */
export async function createApiApp(config: ApiConfig, deps: ApiDeps): Promise<FastifyInstance> {
  const app = await createApp(config, { logger: deps.logger, auth: deps.auth, audit: deps.audit, events: deps.events, ...apiRoutes(config, deps) });
  const unfollow = followConfigChanges(deps);
  app.addHook('onClose', async () => unfollow());
  return app;
}
