import type { ClassificationEngine } from '../classification/index.js';
import type { MarketplaceRouteDeps } from '../marketplace/routes.js';
import type { PluginRouteDeps } from '../plugins/routes.js';
import type { AgentTarball } from '../downloads/agent-tarball.js';
import type { Logger } from '@prophasis/protocol';
import type { Alerting } from '../alerting/alerting.js';
import type { AuditTrail } from '../audit/audit.js';
import type { Auth, AuthUser } from '../auth/auth.js';
import type { Access } from '../auth/roles.js';
import type { Database } from '../db/index.js';
import type { AgentRegistry } from '../enrolment/registry.js';
import type { EventBus } from './events.js';

/**
 * "Run now" (the dispatcher's `runNow`, docs/pipeline.md): publishes `check.run` to the host's
 * agent and resolves with the request id the result will carry (as a string or `{ requestId }`).
 */
export interface RunNow {
  runNow(hostId: number, checkId: number | null, pluginId: string): Promise<string | { requestId: string }>;
}

/** What issuing and revoking agent credentials from the console needs (docs/enrolment.md). */
export interface EnrolmentApiDeps {
  /** The agent registry (core/src/enrolment): tokens stored hashed, revocation refuses the next CONNECT. */
  registry: Pick<AgentRegistry, 'createEnrolmentToken' | 'revoke'>;
  /** The MQTT side agents pin and connect to; read when a token is issued (both are set once it started). */
  transport: { readonly caFingerprint: string; readonly mqttPort: number };
  /** Port of the console (serves the agent package); read when a token is issued. */
  httpPort(): number;
  /** The core's address as hosts reach it, when configured; else the request's host name is used. */
  defaultServer?: string | undefined;
}

/** Alerting as the API uses it (core/src/alerting): module list, settings validation, Test, cache invalidation. */
export type AlertingApi = Pick<Alerting, 'modules' | 'validate' | 'test' | 'invalidate'>;

/** What the REST API needs from the rest of the core. */
export interface ApiDeps {
  logger: Logger;
  db: Database;
  auth: Auth;
  audit: AuditTrail;
  events: EventBus;
  /** The agent package served at `/downloads/prophasis-agent.tgz`; absent in tests that do not need it. */
  agentTarball?: AgentTarball;
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
}

/** The API's own options (a slice of the core's configuration). */
export interface ApiConfig {
  /** Trust `X-Forwarded-*` from a reverse proxy (needed for the client IP and `Secure` cookies behind TLS termination). */
  trustProxy: boolean;
  /** `auto`: Secure when the request arrived over HTTPS (directly or per `X-Forwarded-Proto` with trustProxy). */
  cookieSecure: 'auto' | 'always' | 'never';
  /** Folder of the console's build; empty: `web/dist/web/browser` of this checkout. */
  webRoot: string;
}

/** What a route handler says about its change, for the audit trail. */
export interface AuditNote {
  action: string;
  targetKind: string;
  targetId?: string | number | null;
  summary?: unknown;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; every `/api` route must say (checked when the route is added). */
    access?: Access;
    /**
     * `false` for a mutating route that changes no configuration (Run now, alert Test): no
     * alert-cache invalidation, service recompute or plan recompute follows it.
     */
    configChange?: false;
  }
  interface FastifyRequest {
    /** The signed-in user, set by the authentication hook. */
    user: AuthUser | undefined;
    /** Set by a mutating handler; written to the audit trail when the response succeeds. */
    auditNote: AuditNote | undefined;
  }
}
