/**
 * The server shell: fastify with the authentication hook, CSRF rule, audit hook, error mapping,
 * OpenAPI reference, event stream and the console's files. It serves the routes the features
 * hand to it (through the composition root) and gives them a small toolkit: the resource
 * helper, relation helpers and session cookies.
 */
export { createApp, listRoutes, toProphasisError, type RouteInfo } from './app.js';
export { createHttpServer, type HttpConfig, type HttpServer } from './server.js';
export { configEffects, configChangeOf, resourceOf, type ConfigEffects } from './changes.js';
export { toApiEvent } from './event-stream.js';
export { registerResource, listRows, type Resource } from './crud.js';
export { assertExist, assertNameFree, groupBy, linksOf, namedObjectWrites, replaceLinks } from './relations.js';
export { SESSION_COOKIE, setSessionCookie, clearSessionCookie } from './cookies.js';
export type { ApiConfig, AuditNote, AuditRecorder, RouteModule, SessionAuthenticator, SessionUser, ShellDeps } from './context.js';
