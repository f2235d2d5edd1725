import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { ApiErrors } from '../kernel/index.js';

/**
 * What a browser may load and do on the console's pages: only the core's own scripts (the
 * Angular build has no inline script), inline styles (Angular's component styles and PrimeNG
 * set them at run time), images and fonts also as data: URLs, no plugins, never inside a frame.
 * No `upgrade-insecure-requests`: the console is often plain HTTP on a LAN.
 */
const CSP: Record<string, string[]> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

/** The policy as a header value; `inlineScript`: the one inline script the page may run, allowed by its SHA-256. */
export function contentSecurityPolicy(inlineScript?: string): string {
  const directives = { ...CSP };
  if (inlineScript !== undefined) directives['script-src'] = ["'self'", `'sha256-${createHash('sha256').update(inlineScript).digest('base64')}'`];
  return Object.entries(directives)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

const HSTS = 'max-age=31536000; includeSubDomains';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a change comes from another site. Browsers say where a request comes from in
 * `Sec-Fetch-Site` (which pages cannot forge) and `Origin`; a change is refused when either says
 * it is not the core's own origin. A client that sends neither (curl, a script) is not a browser
 * and is judged by its credentials alone.
 */
function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).origin !== new URL(`${request.protocol}://${request.host}`).origin;
  } catch {
    return true; // `null` (a sandboxed frame, a privacy redirect) or garbage
  }
}

/**
 * The security headers of every answer (docs/api.md, "Security headers") through
 * `@fastify/helmet`, HSTS on answers to requests that came over TLS, and the refusal of
 * state-changing requests from another site, before anything else looks at them.
 */
export async function registerSecurity(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request) => {
    if (MUTATING.has(request.method) && crossSite(request)) {
      request.log.warn({ origin: request.headers.origin, site: request.headers['sec-fetch-site'], url: request.url }, 'cross-site change refused');
      throw ApiErrors.CROSS_ORIGIN();
    }
  });
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CSP },
    // Set below, and only over TLS: a browser ignores it on plain HTTP, and a wrong one is hard to take back.
    hsts: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    return payload;
  });
}
