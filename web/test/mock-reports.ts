/**
 * A stand-in for the core's report API, for screenshots of the report pages (host health,
 * host detail, service health, service detail, dashboard) without a database. Serves a
 * production build (default `/tmp/web3-dist/browser`, or `root`) with client-route fallback
 * and answers the routes those pages read, in the shapes of protocol/src/api.ts, with data
 * generated relative to now. Always signed in as `role` (default admin). Listens on
 * 127.0.0.1, port 0 (ephemeral) unless given.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { HostGroup, HostHealth, HostReport, Plugin, PluginState, Service, ServiceHealth } from '@prophasis/protocol/browser';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const now = Date.now();
const stamp = { createdAt: now - 30 * DAY, updatedAt: now - DAY };

const HOSTS = [
  ['mail-server', 'major', true],
  ['web-1', 'ok', true],
  ['web-2', 'ok', true],
  ['db-primary', 'minor', true],
  ['db-replica', 'degraded', true],
  ['backup', 'no_data', false],
  ['printer-gw', 'unknown', true],
  ['fileserver', 'ok', true],
] as const;

// An unreachable host counts as major (the core's state model); its plugins keep their last state.
const hostHealth: HostHealth[] = HOSTS.map(([name, severity, online], i) => ({
  id: i + 1,
  name,
  severity: online ? severity : 'major',
  enrolmentState: 'enrolled',
  presence: online ? { state: 'connected', since: now - 2 * DAY, lastSeen: now - 5_000 } : { state: 'unreachable', since: now - 3 * HOUR + 90_000, lastSeen: now - 3 * HOUR },
  online,
  lastSeen: now - (online ? 5_000 : 3 * HOUR),
  plugins: 4,
}));

const hostObject = (id: number) => {
  const [name, , online] = HOSTS[id - 1] ?? HOSTS[0];
  return {
    id,
    name,
    description: id === 1 ? 'Postfix and Dovecot, rack 2' : '',
    agentId: name,
    enrolmentState: 'enrolled' as const,
    connectedSince: online ? now - 2 * DAY : null,
    lastSeen: now - (online ? 5_000 : 3 * HOUR),
    unreachableSince: online ? null : now - 3 * HOUR + 90_000,
    agentVersion: '0.1.0',
    platform: 'linux x64',
    hostname: `${name}.example.lan`,
    ...stamp,
  };
};

const version = (v: string, chart: Record<string, unknown>) => ({
  version: v,
  sha256: 'a3f1c2'.padEnd(64, '0'),
  publisher: 'Prophasis',
  requestedCapabilities: [],
  approvedCapabilities: [],
  approvedAt: now - 5 * DAY,
  historyCount: 5,
  createdAt: now - 20 * DAY,
  defaultClassifier: 'return "ok"',
  // Not (yet) in protocol's PluginVersion: the console reads the chart hints from unknown.
  manifest: { chart },
});
const plugins: Plugin[] = [
  { id: 1, pluginId: 'io.prophasis.cpu-load', name: 'CPU load', description: '', version: '1.0.0', versions: [version('1.0.0', { unit: 'load', kind: 'line' })], ...stamp },
  { id: 2, pluginId: 'io.prophasis.disk', name: 'Disk usage', description: '', version: '1.2.0', versions: [version('1.2.0', { unit: '%', kind: 'line' })], ...stamp },
  { id: 3, pluginId: 'io.prophasis.mail-queue', name: 'Mail queue', description: '', version: '1.0.0', versions: [version('1.0.0', { unit: 'messages' })], ...stamp },
  { id: 4, pluginId: 'io.prophasis.raid', name: 'RAID status', description: '', version: '1.0.0', versions: [version('1.0.0', { kind: 'none' })], ...stamp },
  { id: 5, pluginId: 'io.prophasis.http', name: 'HTTP check', description: '', version: '0.9.0', versions: [version('0.9.0', { unit: 'ms' })], ...stamp },
] as Plugin[];

const groups: HostGroup[] = [
  { id: 1, name: 'web servers', description: '', hostIds: [2, 3], groupIds: [], ...stamp },
  { id: 2, name: 'databases', description: '', hostIds: [4, 5], groupIds: [], ...stamp },
  { id: 3, name: 'production', description: '', hostIds: [1], groupIds: [1, 2], ...stamp },
];

const services: Service[] = [
  {
    id: 1,
    name: 'web shop',
    description: 'What customers buy through',
    dependencies: [
      { kind: 'group', id: 2 },
      { kind: 'host', id: 8 },
    ],
    redundancyGroups: [
      { name: 'front ends', members: [{ kind: 'host', id: 2 }, { kind: 'host', id: 3 }] },
      { name: 'mail', members: [{ kind: 'host', id: 1 }, { kind: 'host', id: 6 }] },
    ],
    ...stamp,
  },
  { id: 2, name: 'intranet', description: '', dependencies: [{ kind: 'host', id: 8 }], redundancyGroups: [], ...stamp },
  { id: 3, name: 'printing', description: '', dependencies: [{ kind: 'host', id: 7 }], redundancyGroups: [], ...stamp },
];

const serviceHealth: ServiceHealth[] = [
  {
    id: 1,
    name: 'web shop',
    severity: 'minor',
    parts: [
      { kind: 'dependency', name: 'databases', severity: 'minor' },
      { kind: 'dependency', name: 'fileserver', severity: 'ok' },
      { kind: 'redundancy', name: 'front ends', severity: 'ok' },
      { kind: 'redundancy', name: 'mail', severity: 'no_data' },
    ],
  },
  { id: 3, name: 'printing', severity: 'unknown', parts: [{ kind: 'dependency', name: 'printer-gw', severity: 'unknown' }] },
  { id: 2, name: 'intranet', severity: 'ok', parts: [{ kind: 'dependency', name: 'fileserver', severity: 'ok' }] },
];

/** A wavy series over `[from, to)` at the API's resolution, with no data in the second fifth. */
function series(from: number, to: number, base: number, swing: number, seed: number): { resolutionMs: number; points: PluginState['series'] } {
  const span = to - from;
  const step = span <= 6 * HOUR ? MIN : span <= 3 * DAY ? MIN : HOUR;
  const resolutionMs = span <= 6 * HOUR ? 0 : step;
  // Keep the point count reasonable for the mock: raw results every minute, rollups as the API would.
  const stride = span <= 6 * HOUR ? MIN : span <= 3 * DAY ? Math.max(MIN, Math.ceil(span / 1440 / MIN) * MIN) : HOUR;
  const points: PluginState['series'] = [];
  const gapFrom = from + span * 0.2;
  const gapTo = from + span * 0.4;
  for (let t = Math.ceil(from / stride) * stride; t < to; t += stride) {
    if (t >= gapFrom && t < gapTo) continue;
    const x = (t - from) / span;
    const value = Math.max(0, base + swing * Math.sin(x * 12 + seed) + swing * 0.3 * Math.sin(x * 57 + seed * 3));
    points.push(resolutionMs ? { t, value, min: value * 0.8, max: value * 1.2, count: stride / MIN } : { t, value });
  }
  return { resolutionMs: resolutionMs && stride, points };
}

function hostReport(id: number, from: number, to: number): HostReport {
  const health = hostHealth[id - 1] ?? hostHealth[0]!;
  // An unreachable host's plugins show their last measured state (its own severity is major).
  const pluginsWorst = (HOSTS[id - 1] ?? HOSTS[0])[1];
  const cpu = series(from, to, 1.2, 0.8, id);
  const disk = series(from, to, 71, 6, id + 1);
  const queue = series(from, to, 40, 30, id + 2);
  const last = (s: { points: PluginState['series'] }) => s.points.at(-1)?.value ?? null;
  const plugins: PluginState[] = [
    {
      pluginId: 'io.prophasis.mail-queue',
      checkId: 1,
      severity: pluginsWorst === 'major' ? 'major' : 'ok',
      value: last(queue),
      message: pluginsWorst === 'major' ? '312 messages deferred: connection refused by mx2.example.net' : null,
      resultType: 'plugin',
      measuredAt: to - 30_000,
      changedAt: to - 47 * MIN,
      series: queue.points,
    },
    { pluginId: 'io.prophasis.disk', checkId: 1, severity: 'minor', value: last(disk), message: '/var is 81 % full', resultType: 'plugin', measuredAt: to - 30_000, changedAt: to - 5 * HOUR, series: disk.points },
    {
      pluginId: 'io.prophasis.http',
      checkId: 2,
      severity: 'unknown',
      value: null,
      message: 'no answer from https://shop.example.com/health within 5000 ms',
      resultType: 'connection_timeout',
      measuredAt: to - 60_000,
      changedAt: to - 12 * MIN,
      series: [],
    },
    { pluginId: 'io.prophasis.cpu-load', checkId: 1, severity: 'ok', value: last(cpu), message: null, resultType: 'plugin', measuredAt: to - 30_000, changedAt: to - 3 * DAY, series: cpu.points },
    {
      pluginId: 'io.prophasis.raid',
      checkId: 1,
      severity: 'ok',
      value: null,
      message: 'md0: clean, 2 of 2 devices active [UU]\nmd1: clean, 2 of 2 devices active [UU]',
      resultType: 'plugin',
      measuredAt: to - 30_000,
      changedAt: to - 9 * DAY,
      series: [],
    },
  ];
  return { host: hostObject(id), severity: health.severity, presence: health.presence, from, to, resolutionMs: cpu.resolutionMs, plugins };
}

export interface MockReports {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Starts the mock on 127.0.0.1 (`port` 0 = ephemeral), serving the build under `root`. */
export async function startMockReports(options: { port?: number; root?: string; role?: 'admin' | 'operator' | 'viewer' } = {}): Promise<MockReports> {
  const root = normalize((options.root ?? '/tmp/web3-dist/browser') + '/');
  const role = options.role ?? 'admin';
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const page = (items: unknown[]) => ({ items, total: items.length, limit: 500, offset: 0 });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (path.startsWith('/api/')) {
      if (path === '/api/setup') return json(res, 200, { required: false });
      if (path === '/api/auth/me') return json(res, 200, { id: 1, name: role, role, expiresAt: now + HOUR });
      if (path === '/api/reports/hosts') return json(res, 200, hostHealth);
      const report = /^\/api\/reports\/hosts\/(\d+)$/.exec(path);
      if (report) {
        const id = Number(report[1]);
        if (!hostHealth[id - 1]) return json(res, 404, { code: 'CORE_API_NOT_FOUND', message: `Not found: host ${id}` });
        const to = Number(url.searchParams.get('to') ?? Date.now());
        const from = Number(url.searchParams.get('from') ?? to - DAY);
        if (!(from < to)) return json(res, 400, { code: 'CORE_API_BAD_REQUEST', message: 'from must be before to', details: { field: 'from' } });
        return json(res, 200, hostReport(id, from, to));
      }
      if (path === '/api/reports/services') return json(res, 200, serviceHealth);
      const one = /^\/api\/(hosts|services)\/(\d+)$/.exec(path);
      if (one) {
        const id = Number(one[2]);
        const item = one[1] === 'hosts' ? (hostHealth[id - 1] ? hostObject(id) : undefined) : services.find((s) => s.id === id);
        return item ? json(res, 200, item) : json(res, 404, { code: 'CORE_API_NOT_FOUND', message: `Not found: ${one[1]} ${id}` });
      }
      if (path === '/api/plugins') return json(res, 200, page(plugins));
      if (path === '/api/groups') return json(res, 200, page(groups));
      if (path === '/api/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.write('retry: 5000\n: connected\n\n');
        const send = (type: string, data: Record<string, unknown>, ts: number) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ts, data })}\n\n`);
        // The shapes the core publishes: row ids, not names (core/src/ingest, services, presence).
        send('state.changed', { hostId: 5, pluginId: 2, from: 'ok', to: 'degraded', at: now - 9 * MIN, late: false }, now - 9 * MIN);
        send('host.presence', { type: 'host.unreachable', hostId: '6', agentId: 'backup', at: now - 6 * MIN }, now - 6 * MIN);
        send('state.changed', { serviceId: 1, hostId: null, pluginId: null, from: 'ok', to: 'minor', at: now - 4 * MIN, late: false }, now - 4 * MIN);
        send('state.changed', { hostId: 1, pluginId: 3, from: 'minor', to: 'major', at: now - 47 * MIN, late: false }, now - 60_000);
        send('state.changed', { hostId: 1, pluginId: 5, from: 'ok', to: 'unknown', at: now - 12 * MIN, late: false }, now - 30_000);
        return undefined; // kept open, like the core's stream
      }
      return json(res, 404, { code: 'CORE_API_NOT_FOUND', message: `No mock for ${path}` });
    }
    let file = normalize(join(root, decodeURIComponent(path)));
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
    return undefined;
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
