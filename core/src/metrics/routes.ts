import { ApiErrorBody } from '@prophasis/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { ApiErrors } from '../kernel/index.js';
import type { Metrics } from './metrics.js';

/** Who may read `/metrics`: addresses or networks, and the SHA-256 (hex) of a bearer token. */
export interface MetricsAccess {
  /** Comma-separated addresses and CIDR networks, e.g. `127.0.0.1,::1,10.0.0.0/8`; empty: none. */
  allow: string;
  /** SHA-256 hex of the token a scraper sends as `Authorization: Bearer …`; empty: no token. */
  tokenSha256: string;
}

/** The allow-list as a `BlockList` (node:net): exact addresses and subnets, IPv4 and IPv6. Throws naming a bad entry. */
export function parseAllowList(allow: string): BlockList {
  const list = new BlockList();
  for (const raw of allow.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address, bits] = raw.split('/');
    const family = isIP(address ?? '');
    if (!family || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new Error(`metricsAllow: ${JSON.stringify(raw)} is not an address or a CIDR network`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(bits), type);
  }
  return list;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics` (docs/operations.md, "Metrics"): the Prometheus text format, for an address on
 * the allow-list or a request with the metrics token; anyone else gets 403 and nothing of it.
 */
export async function metricsRoutes(app: FastifyInstance, metrics: Metrics, access: MetricsAccess): Promise<void> {
  const allowed = parseAllowList(access.allow);
  const token = /^[0-9a-f]{64}$/i.test(access.tokenSha256) ? Buffer.from(access.tokenSha256, 'hex') : undefined;
  const permitted = (request: FastifyRequest) => {
    const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return token !== undefined && timingSafeEqual(sha256(bearer), token);
    const ip = request.ip.replace(/^::ffff:(?=\d+\.)/, '');
    return allowed.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
  };
  const schema = {
    tags: ['system'],
    operationId: 'getMetrics',
    summary: 'Read the core\'s metrics in the Prometheus text format',
    description: 'For an address of metricsAllow, or with the metrics token as Authorization: Bearer (not an API token).',
    security: [],
    // The body is the exposition text itself, never serialized from a schema.
    response: { 200: { description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } }, 403: ApiErrorBody },
  };
  app.get('/metrics', { schema }, async (request, reply) => {
    if (!permitted(request)) {
      request.log.warn({ ip: request.ip }, 'metrics refused');
      throw ApiErrors.FORBIDDEN('metrics are served to the addresses of metricsAllow or with the metrics token (docs/operations.md)');
    }
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(await metrics.render());
  });
}
