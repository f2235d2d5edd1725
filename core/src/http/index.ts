/**
 * The server shell: fastify with the authentication hook, CSRF rule, audit hook, error mapping,
 * OpenAPI reference, event stream and the console's files. It serves the routes the features
 * hand to it (through the composition root) and gives them a small toolkit: the resource
 * helper, relation helpers and session cookies.
 */
export { createApp, listRoutes } from './app.js';
export { createHttpServer } from './server.js';
export { loadHttpsMaterial, publicKeyPin } from './tls.js';
export { configEffects } from './changes.js';
export { registerResource, type Resource } from './crud.js';
export { assertExist, assertNameFree, groupBy, linksOf, namedObjectWrites, replaceLinks } from './relations.js';
export { SESSION_COOKIE, setSessionCookie, clearSessionCookie } from './cookies.js';
export type { ApiConfig, RouteModule } from './context.js';
