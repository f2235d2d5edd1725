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
  // An unreachable host counts as major (the core's state model).
  severity: online ? severity : 'major',
  enrolmentState: 'enrolled',
  presence: online
    ? { state: 'connected', since: now - 86_400_000, lastSeen: now - 5_000 }
    : { state: 'unreachable', since: now - 3 * 3_600_000 + 90_000, lastSeen: now - 3 * 3_600_000 },
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
  unreachableSince: online ? null : now - 3 * 3_600_000 + 90_000,
  agentVersion: '0.1.0',
  platform: 'linux',
  hostname: `${name}.example.lan`,
  createdAt: now - 30 * 86_400_000,
  updatedAt: now - 86_400_000,
}));

const day = 86_400_000;
const stamp = { createdAt: now - 30 * day, updatedAt: now - day };
const groups = [
  { id: 1, name: 'web servers', description: 'Front ends behind the load balancer', hostIds: [2, 3], groupIds: [], ...stamp },
  { id: 2, name: 'databases', description: 'PostgreSQL primary and replica', hostIds: [4, 5], groupIds: [], ...stamp },
  { id: 3, name: 'production', description: 'Everything customers use', hostIds: [1], groupIds: [1, 2], ...stamp },
];
const DISK_PARAMETERS = {
  type: 'object',
  required: ['mount', 'warnPercent'],
  properties: {
    mount: { type: 'string', title: 'Mount point', description: 'Filesystem to measure.', default: '/', pattern: '^/', maxLength: 255 },
    warnPercent: { type: 'integer', title: 'Warn at (%)', description: 'Usage that counts as nearly full.', minimum: 1, maximum: 100, default: 85 },
    critPercent: { type: 'integer', title: 'Critical at (%)', description: 'Usage that counts as full.', minimum: 1, maximum: 100, default: 95 },
    inodes: { type: 'boolean', title: 'Check inodes', description: 'Also measure free inodes.', default: false },
    unit: { title: 'Report in', description: 'What the value means.', enum: ['percent', 'bytes'], default: 'percent' },
  },
};
const CLASSIFIER = `-- values: the last n results, newest last
local latest = values[#values]
if latest == nil then return "unknown" end
if latest >= 95 then return "major" end
if latest >= 85 then return "minor" end
return "ok"
`;
const version = (v: string, caps: string[], approved: boolean, parameters: unknown) => ({
  version: v,
  sha256: 'a3f1c2'.padEnd(64, '0'),
  publisher: 'Prophasis',
  requestedCapabilities: caps,
  approvedCapabilities: approved ? caps : null,
  approvedAt: approved ? now - 5 * day : null,
  historyCount: 5,
  createdAt: now - (approved ? 20 : 1) * day,
  parameters,
  defaultClassifier: CLASSIFIER,
});
const plugins = [
  {
    id: 1,
    pluginId: 'io.prophasis.disk',
    name: 'Disk usage',
    description: 'Percentage of a filesystem in use.',
    version: '1.2.0',
    versions: [version('1.2.0', ['os.info', 'exec:/bin/df'], false, DISK_PARAMETERS), version('1.1.0', ['os.info'], true, DISK_PARAMETERS)],
    ...stamp,
  },
  {
    id: 2,
    pluginId: 'io.prophasis.cpu-load',
    name: 'CPU load',
    description: 'One-minute load average per CPU.',
    version: '1.0.0',
    versions: [version('1.0.0', ['fs.read:/proc/loadavg', 'os.info'], true, { type: 'object', properties: { perCpu: { type: 'boolean', title: 'Per CPU', description: 'Divide by the number of CPUs.', default: true } } })],
    ...stamp,
  },
  {
    id: 3,
    pluginId: 'io.prophasis.http',
    name: 'HTTP check',
    description: 'Status and response time of a URL.',
    version: '0.9.0',
    versions: [version('0.9.0', ['http.request:*', 'net.connect:*:443'], true, { type: 'object', required: ['url'], properties: { url: { type: 'string', title: 'URL', description: 'Address to request.', pattern: '^https?://' }, timeoutMs: { type: 'integer', title: 'Timeout (ms)', minimum: 100, maximum: 60000, default: 5000 } } })],
    ...stamp,
  },
];
const checks = [
  { id: 1, name: 'disk space', description: 'Root and data filesystems', hostIds: [1], groupIds: [2], plugins: [{ pluginId: 'io.prophasis.disk', params: { mount: '/var/lib/postgresql', warnPercent: 80 } }, { pluginId: 'io.prophasis.cpu-load', params: {} }], ...stamp },
  { id: 2, name: 'web front ends', description: '', hostIds: [], groupIds: [1], plugins: [{ pluginId: 'io.prophasis.http', params: { url: 'https://shop.example.com/health' } }], ...stamp },
];
const hourStart = Math.floor(now / 3_600_000) * 3_600_000 - 2 * 3_600_000;
const schedules = [
  { id: 1, name: 'every 5 minutes', description: 'Fast checks', enabled: true, checkIds: [1, 2], intervals: [{ start: hourStart, everyMs: 300_000 }, { start: hourStart + 120_000, everyMs: 3_600_000 }], ...stamp },
  { id: 2, name: 'nightly', description: '', enabled: false, checkIds: [1], intervals: [{ start: hourStart, everyMs: day }], ...stamp },
];
const services = [
  {
    id: 1,
    name: 'web shop',
    description: 'What customers buy through',
    dependencies: [{ kind: 'group', id: 2 }, { kind: 'host', id: 8 }],
    redundancyGroups: [
      { name: 'front ends', members: [{ kind: 'host', id: 2 }, { kind: 'host', id: 3 }] },
      { name: 'mail', members: [{ kind: 'host', id: 1 }] },
    ],
    ...stamp,
  },
];
const alerts = [
  {
    id: 1,
    name: 'production down',
    enabled: true,
    fromStates: ['ok', 'degraded'],
    toStates: ['major', 'critical'],
    scopes: { hostIds: [1], groupIds: [3], serviceIds: [1], pluginIds: ['io.prophasis.disk'], checkIds: [] },
    module: 'webhook',
    settings: { url: 'https://hooks.slack.com/services/T000/B000/XXXX', format: 'slack' },
    ...stamp,
  },
  { id: 2, name: 'disk filling', enabled: false, fromStates: ['ok'], toStates: ['minor'], scopes: { hostIds: [], groupIds: [], serviceIds: [], pluginIds: ['io.prophasis.disk'], checkIds: [1] }, module: 'email', settings: { to: 'oncall@example.com' }, ...stamp },
];
const users = [
  { id: 1, name: 'admin', role: 'admin', lastLoginAt: now - 60_000, createdAt: now - 30 * day },
  { id: 2, name: 'night-shift', role: 'operator', lastLoginAt: null, createdAt: now - 3 * day },
];
const settings = {
  maxLatenessMs: 60_000,
  retentionRawDays: 7,
  retentionMinuteDays: 30,
  retentionHourDays: 400,
  retentionSystemLogDays: 30,
  smtp: { host: 'smtp.example.com', port: 587, secure: false, user: 'prophasis', from: 'prophasis@example.com' },
  smtpPasswordSet: true,
};
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
const logs = Array.from({ length: 60 }, (_, i) => ({
  id: 60 - i,
  time: now - i * 97_000,
  level: ['info', 'warn', 'error', 'info'][i % 4] as string,
  component: ['scheduler', 'classification', 'transport', 'http'][i % 4] as string,
  message: [
    'plan published to 8 agents',
    'classifier of io.prophasis.disk on db-replica timed out after 50 ms; state unknown',
    'refused connection from 10.0.0.9: unknown agent id',
    'settings changed by admin',
  ][i % 4] as string,
  context: i % 4 === 1 ? { hostId: 5, pluginId: 'io.prophasis.disk' } : {},
}));

/** Collections the mock answers generically: list with `q`, one by id, and echoing writes. */
const COLLECTIONS: Record<string, { id: number | string; name?: string; description?: string }[]> = {
  hosts: hostObjects,
  groups,
  plugins,
  checks,
  schedules,
  services,
  alerts,
  users,
};

export interface MockCore {
  server: Server;
  url: string;
  /** Sign-in state of the mock; `/api/auth/login` sets it. */
  signedIn: boolean;
  /** Role `/api/auth/me` answers (default admin), to look at the console as a viewer. */
  role: 'admin' | 'operator' | 'viewer';
  close(): Promise<void>;
}

export async function startMockCore(port = 0): Promise<MockCore> {
  const state = { signedIn: false, role: 'admin' as MockCore['role'] };
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
      if (path === '/api/auth/me') return json(res, 200, { id: 1, name: state.role, role: state.role, expiresAt: now + 3_600_000 });
      if (path === '/api/reports/hosts') return json(res, 200, { items: hostHealth, total: hostHealth.length, limit: 500, offset: 0 });
      if (path === '/api/settings') return json(res, 200, settings);
      if (path === '/api/logs') {
        const p = url.searchParams;
        const level = p.get('level');
        const items = logs.filter(
          (e) =>
            (!level || LEVELS.indexOf(e.level) <= LEVELS.indexOf(level)) &&
            (!p.get('component') || e.component === p.get('component')) &&
            (!p.get('q') || e.message.includes(p.get('q') ?? '')),
        );
        const limit = Number(p.get('limit') ?? 100);
        const offset = Number(p.get('offset') ?? 0);
        return json(res, 200, { items: items.slice(offset, offset + limit), total: items.length, limit, offset });
      }
      const match = /^\/api\/([a-z]+)(?:\/(\d+))?$/.exec(path);
      const collection = match && COLLECTIONS[match[1] ?? ''];
      if (match && collection) {
        if (match[2] === undefined && req.method === 'GET') {
          const q = (url.searchParams.get('q') ?? '').toLowerCase();
          const items = collection.filter((x) => `${x.name ?? ''} ${x.description ?? ''}`.toLowerCase().includes(q));
          const limit = Number(url.searchParams.get('limit') ?? 50);
          const offset = Number(url.searchParams.get('offset') ?? 0);
          return json(res, 200, { items: items.slice(offset, offset + limit), total: items.length, limit, offset });
        }
        const item = collection.find((x) => String(x.id) === match[2]);
        if (req.method === 'DELETE') return item ? (res.writeHead(204), res.end()) : json(res, 404, { code: 'CORE_API_NOT_FOUND', message: 'Not found' });
        if (req.method === 'GET') return item ? json(res, 200, item) : json(res, 404, { code: 'CORE_API_NOT_FOUND', message: `Not found: ${match[1]} ${match[2]}` });
        return json(res, req.method === 'POST' ? 201 : 200, item ?? collection[0]);
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
    get role() {
      return state.role;
    },
    set role(value: MockCore['role']) {
      state.role = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
