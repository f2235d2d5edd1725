import type { Logger } from '@prophasis/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { Access, EventBus, Role } from '../kernel/index.js';

/** The signed-in user as the server shell sees it (the auth feature's `AuthUser`, structurally). */
interface SessionUser {
  id: number;
  name: string;
  role: Role;
}

/** Turns a session cookie, or an API token sent as `Authorization: Bearer`, into its user; the auth feature implements it. */
interface SessionAuthenticator {
  authenticate(token: string | undefined): Promise<SessionUser | undefined>;
  authenticateBearer(token: string): Promise<SessionUser | undefined>;
}

/** Where successful changes are recorded; the audit feature implements it. */
interface AuditRecorder {
  record(entry: { user: SessionUser | undefined; action: string; targetKind: string; targetId: string | null; summary: unknown }): Promise<void>;
}

/** A feature's routes, handed to the shell by the composition root. */
export type RouteModule = FastifyPluginAsync;

/** What the server shell needs: the rest comes from the features through their routes. */
export interface ShellDeps {
  logger: Logger;
  auth: SessionAuthenticator;
  audit: AuditRecorder;
  /** The event stream subscribes to it; successful configuration changes are published on it (`config.changed`). */
  events: EventBus;
  /** Mounted under `/api`, in this order. */
  routes: readonly RouteModule[];
  /** Mounted at the root (the agent package download). */
  rootRoutes?: readonly RouteModule[];
}

/** The API's own options (a slice of the core's configuration). */
export interface ApiConfig {
  /** Trust `X-Forwarded-*` from a reverse proxy (needed for the client IP and `Secure` cookies behind TLS termination). */
  trustProxy: boolean;
  /** `auto`: Secure when the request arrived over HTTPS (directly or per `X-Forwarded-Proto` with trustProxy). */
  cookieSecure: 'auto' | 'always' | 'never';
  /** Folder of the console's build; empty: `web/dist/web/browser` of this checkout. */
  webRoot: string;
  /** Serve over TLS with this certificate (PEM, chain allowed) and key (./tls.ts); absent: plain HTTP. */
  tls?: { certPem: string; keyPem: string } | undefined;
}

/** What a route handler says about its change, for the audit trail. */
interface AuditNote {
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
    /**
     * `false` for a POST that only reads (a template preview, asked while one types): it changes
     * nothing, so it is not written to the audit trail and sets off nothing.
     */
    audit?: false;
  }
  interface FastifyRequest {
    /** The signed-in user, set by the authentication hook. */
    user: SessionUser | undefined;
    /** Set by a mutating handler; written to the audit trail when the response succeeds. */
    auditNote: AuditNote | undefined;
  }
}
