/**
 * A stand-in for the core's HTTP side, for screenshots and manual checks of the console
 * without a database: serves the production build from dist/web/browser (falling back to
 * index.html for client routes, like the core) and answers a few /api routes with fixed data.
 * Listens on 127.0.0.1; port 0 (ephemeral) unless given.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../dist/web/browser/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

const now = Date.now();
const hosts = [
  ['mail-server', 'major', true],
  ['web-1', 'ok', true],
  ['web-2', 'ok', true],
  ['db-primary', 'minor', true],
  ['db-replica', 'degraded', true],
  ['backup', 'no_data', false],
  ['printer-gw', 'unknown', true],
  ['fileserver', 'ok', true],
] as const;

const hostHealth = hosts.map(([name, severity, online], i) => ({
  id: i + 1,
  name,
  severity,
  enrolmentState: 'enrolled',
  online,
  lastSeen: now - (online ? 5_000 : 3 * 3_600_000),
  plugins: 4,
}));

const hostObjects = hosts.map(([name, , online], i) => ({
  id: i + 1,
  name,
  description: i === 0 ? 'Postfix and Dovecot, rack 2' : '',
  agentId: name,
  enrolmentState: 'enrolled',
  connectedSince: online ? now - 86_400_000 : null,
  lastSeen: now - (online ? 5_000 : 3 * 3_600_000),
  unreachableSince: online ? null : now - 3 * 3_600_000,
  agentVersion: '0.1.0',
  platform: 'linux',
  hostname: `${name}.example.lan`,
  createdAt: now - 30 * 86_400_000,
  updatedAt: now - 86_400_000,
}));

export interface MockCore {
  server: Server;
  url: string;
  /** Sign-in state of the mock; `/api/auth/login` sets it. */
  signedIn: boolean;
  close(): Promise<void>;
}

export async function startMockCore(port = 0): Promise<MockCore> {
  const state = { signedIn: false };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      if (path === '/api/setup' && req.method === 'GET') return json(res, 200, { required: false });
      if (path === '/api/auth/login' && req.method === 'POST') {
        state.signedIn = true;
        res.setHeader('set-cookie', 'prophasis_session=mock; HttpOnly; SameSite=Strict; Path=/');
        return json(res, 200, { user: { id: 1, name: 'admin', role: 'admin' } });
      }
      if (!state.signedIn) return json(res, 401, { code: 'CORE_API_UNAUTHENTICATED', message: 'Not signed in' });
      if (path === '/api/auth/me') return json(res, 200, { id: 1, name: 'admin', role: 'admin', expiresAt: now + 3_600_000 });
      if (path === '/api/reports/hosts') return json(res, 200, { items: hostHealth, total: hostHealth.length, limit: 500, offset: 0 });
      if (path === '/api/hosts') {
        const q = (url.searchParams.get('q') ?? '').toLowerCase();
        const items = hostObjects.filter((h) => h.name.includes(q));
        return json(res, 200, { items, total: items.length, limit: 25, offset: 0 });
      }
      const hostMatch = /^\/api\/hosts\/(\d+)$/.exec(path);
      if (hostMatch) {
        const host = hostObjects.find((h) => h.id === Number(hostMatch[1]));
        return host ? json(res, 200, host) : json(res, 404, { code: 'CORE_API_NOT_FOUND', message: 'Not found: host' });
      }
      if (path === '/api/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const send = (data: unknown) => res.write(`event: state.changed\ndata: ${JSON.stringify(data)}\n\n`);
        send({ type: 'state.changed', ts: now - 60_000, data: { hostName: 'db-replica', pluginId: 'io.prophasis.disk', from: 'ok', to: 'degraded' } });
        send({ type: 'state.changed', ts: now - 30_000, data: { hostName: 'mail-server', pluginId: 'io.prophasis.mail-queue', from: 'minor', to: 'major' } });
        return undefined; // kept open, like the core's stream
      }
      return json(res, 200, { items: [], total: 0, limit: 25, offset: 0 });
    }
    let file = normalize(join(ROOT, decodeURIComponent(path)));
    if (!file.startsWith(ROOT) || !existsSync(file) || statSync(file).isDirectory()) file = join(ROOT, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
    return undefined;
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `http://127.0.0.1:${actual}`,
    get signedIn() {
      return state.signedIn;
    },
    set signedIn(value: boolean) {
      state.signedIn = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
