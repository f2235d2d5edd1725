import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from './context.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'prophasis_session';

function secure(config: ApiConfig, request: FastifyRequest): boolean {
  if (config.cookieSecure === 'always') return true;
  if (config.cookieSecure === 'never') return false;
  return request.protocol === 'https';
}

/**
 * Sets the session cookie: httpOnly (scripts cannot read it), SameSite=Strict (browsers do not
 * send it on cross-site requests, the main CSRF defence), Secure when served over TLS.
 */
export function setSessionCookie(config: ApiConfig, request: FastifyRequest, reply: FastifyReply, token: string, expiresAt: Date): void {
  reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: secure(config, request), path: '/', expires: expiresAt });
}

export function clearSessionCookie(config: ApiConfig, request: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: secure(config, request), path: '/' });
}
