import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@prophasis/protocol';
import type { ApiConfig } from './context.js';
import { contentSecurityPolicy } from './security.js';
import { ApiErrors } from '../kernel/index.js';

/** The console's build output in this checkout (`npx nx run @prophasis/web:build`). */
const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/web/browser', import.meta.url));

/** The placeholder's one script (first-run setup); its hash is in the page's Content-Security-Policy. */
const PLACEHOLDER_SCRIPT = `
const token = new URLSearchParams(location.search).get('token');
if (location.pathname === '/setup' && token) {
  document.getElementById('setup').hidden = false;
  document.getElementById('f').onsubmit = async (e) => {
    e.preventDefault();
    const d = new FormData(e.target);
    const r = await fetch('/api/setup', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: d.get('name'), password: d.get('password') }) });
    const b = await r.json();
    document.getElementById('msg').textContent = r.ok ? 'Administrator ' + b.name + ' created; you are signed in.' : b.message;
  };
}
`;

/** Served at every console path while the console is not built; it can still run first-run setup. */
const PLACEHOLDER_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Prophasis</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#eee;padding:0 .3em}
form{display:grid;gap:.5rem;max-width:20rem}#msg{font-weight:600}</style></head>
<body><h1>Prophasis core is running</h1>
<p>The web console has not been built in this checkout. Build it with
<code>npx nx run @prophasis/web:build</code> and reload this page.</p>
<p>The REST API works meanwhile: see the <a href="/api/docs">API reference</a>.</p>
<div id="setup" hidden><h2>Create the first administrator</h2>
<form id="f"><label>User name <input name="name" required autocomplete="username"></label>
<label>Password (12+ characters) <input name="password" type="password" required minlength="12" autocomplete="new-password"></label>
<button>Create administrator</button></form></div><p id="msg"></p>
<script>${PLACEHOLDER_SCRIPT}</script></body></html>
`;

/**
 * Serves the console from the same origin as the API (so the SameSite=Strict session cookie
 * works) with a single-page-app fallback: any non-API path that is not a file gets index.html,
 * and Angular's router takes it from there.
 */
export async function registerConsole(app: FastifyInstance, config: ApiConfig, log: Logger): Promise<void> {
  const root = config.webRoot || DEFAULT_WEB_ROOT;
  const built = existsSync(join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, { root, wildcard: false, index: ['index.html'], cacheControl: true, maxAge: 3_600_000 });
  } else {
    log.warn({ root }, 'console not built; serving a placeholder page');
  }
  app.setNotFoundHandler({}, async (request, reply) => {
    if (request.url === '/api' || request.url.startsWith('/api/')) {
      throw ApiErrors.NOT_FOUND(`${request.method} ${request.url.split('?')[0]}`);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') throw ApiErrors.NOT_FOUND();
    if (built) return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy(PLACEHOLDER_SCRIPT))
      .send(PLACEHOLDER_HTML);
  });
}
