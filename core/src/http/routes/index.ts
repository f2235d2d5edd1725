import type { FastifyInstance } from 'fastify';
import type { ApiConfig, ApiDeps } from '../context.js';
import { registerResource } from '../crud.js';
import { alertActionRoutes } from './alert-actions.js';
import { authRoutes } from './auth.js';
import { checksResource, schedulesResource } from './checks.js';
import { eventRoutes } from './events.js';
import { hostActionRoutes } from './host-actions.js';
import { groupsResource, hostsResource } from './hosts.js';
import { logRoutes } from './logs.js';
import { reportRoutes } from './reports.js';
import { alertsResource, servicesResource } from './services.js';
import { settingsRoutes } from './settings.js';
import { pluginsResource, usersResource } from './users.js';

/** Every `/api` route (mounted with the `/api` prefix). Each declares its access in `config.access`. */
export async function registerRoutes(api: FastifyInstance, config: ApiConfig, deps: ApiDeps): Promise<void> {
  const { db } = deps;
  await authRoutes(api, config, deps);
  registerResource(api, db, hostsResource(db));
  registerResource(api, db, groupsResource(db));
  registerResource(api, db, pluginsResource(db));
  registerResource(api, db, checksResource(db));
  registerResource(api, db, schedulesResource(db));
  registerResource(api, db, servicesResource(db));
  registerResource(api, db, alertsResource(db, deps.alerting));
  registerResource(api, db, usersResource(db, deps.auth));
  await settingsRoutes(api, db);
  await reportRoutes(api, db);
  await logRoutes(api, db, deps.audit);
  await eventRoutes(api, deps.events);
  await hostActionRoutes(api, deps);
  await alertActionRoutes(api, db, deps.alerting);
}
