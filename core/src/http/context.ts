import type { PluginRouteDeps } from '../plugins/routes.js';
import type { AgentTarball } from '../downloads/agent-tarball.js';
import type { Logger } from '@prophasis/protocol';
import type { AuditTrail } from '../audit/audit.js';
import type { Auth, AuthUser } from '../auth/auth.js';
import type { Access } from '../auth/roles.js';
import type { Database } from '../db/index.js';
import type { EventBus } from './events.js';

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
  }
  interface FastifyRequest {
    /** The signed-in user, set by the authentication hook. */
    user: AuthUser | undefined;
    /** Set by a mutating handler; written to the audit trail when the response succeeds. */
    auditNote: AuditNote | undefined;
  }
}
