import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryTypes } from 'sequelize';
import { hashPassword } from '../../src/auth/password.js';
import { hostAdd } from '../../src/enrolment/host-add.js';
import { readCoreConfig } from '../../src/kernel/config.js';
import { createSecretBox } from '../../src/kernel/index.js';
import { startCore, type Core } from '../../src/main.js';
import { loadConfigRows } from '../../src/scheduler/load.js';
import { buildPlans } from '../../src/scheduler/plan.js';
import { createPgDatabase } from '../db/helpers.js';
import { startAgent, waitFor, type AgentProcess } from '../system/agent-process.js';

const SNMPD = '/usr/sbin/snmpd';
const PG_URL = process.env.PROPHASIS_TEST_POSTGRES_URL ?? '';
const COMMUNITY = 'c0mmunity-under-test';
const PASSWORD = 'correct horse battery staple';
const E = '.1.3.6.1.2.1.43.11.1.1';
const U = '.1.3.6.1.2.1.33.1';
/** Printer-MIB supplies and UPS-MIB values (on mains) snmpd serves with `override` lines. */
const OVERRIDES: [string, string, string][] = [
  [`${E}.6.1.1`, 'octet_str', '"Black Toner"'],
  [`${E}.6.1.2`, 'octet_str', '"Cyan Toner"'],
  [`${E}.8.1.1`, 'integer', '100'],
  [`${E}.8.1.2`, 'integer', '2500'],
  [`${E}.9.1.1`, 'integer', '40'],
  [`${E}.9.1.2`, 'integer', '1500'],
  [`${U}.2.1.0`, 'integer', '2'],
  [`${U}.2.2.0`, 'integer', '0'],
  [`${U}.2.3.0`, 'integer', '55'],
  [`${U}.2.4.0`, 'integer', '97'],
  [`${U}.4.1.0`, 'integer', '3'],
];
/** The device types' default plugins (web/src/app/features/devices/devices.ts). */
const DEFAULTS = {
  ups: ['io.prophasis.ping', 'io.prophasis.ups'],
  switch: ['io.prophasis.ping', 'io.prophasis.snmp-interfaces', 'io.prophasis.snmp-uptime'],
  printer: ['io.prophasis.ping', 'io.prophasis.printer-supplies', 'io.prophasis.snmp-uptime'],
} as const;
type DeviceType = keyof typeof DEFAULTS;
const SNMP_PLUGINS = new Set(['io.prophasis.snmp-interfaces', 'io.prophasis.snmp-uptime', 'io.prophasis.printer-supplies', 'io.prophasis.ups']);

/** Debian's snmpd on 127.0.0.1:<free UDP port> with the test community and the overrides; foreground, no other config read. */
async function startSnmpd(dir: string): Promise<{ port: number; proc: ChildProcess; stop(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  const conf = join(dir, 'snmpd.conf');
  writeFileSync(conf, [`agentaddress udp:127.0.0.1:${port}`, `rocommunity ${COMMUNITY} 127.0.0.1`, ...OVERRIDES.map((o) => `override ${o.join(' ')}`), ''].join('\n'));
  const proc = spawn(SNMPD, ['-f', '-Lo', '-C', '-c', conf, '-I', '-smux'], {
    env: { PATH: '/usr/sbin:/usr/bin:/bin', SNMP_PERSISTENT_DIR: join(dir, 'persist'), MIBS: '', MIBDIRS: join(dir, 'no-mibs') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`snmpd did not start within 10 s:\n${out}`)), 10_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/NET-SNMP version/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`snmpd exited with ${code}:\n${out}`));
    });
  });
  return {
    port,
    proc,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3_000);
      await gone;
      clearTimeout(t);
    },
  };
}

interface ReportPlugin {
  pluginId: string;
  severity: string;
  value: number | null;
  message: string | null;
  resultType: string | null;
  series: unknown[];
}
interface HostReport {
  host: { id: number; name: string };
  presence: { state: string };
  plugins: ReportPlugin[];
}

/**
 * Issue 18's "Done when", end to end: a real core (embedded broker over TLS, pipeline,
 * classification, HTTP API) with the first-party plugins it builds and signs at start, a real
 * `prophasis-agent` enrolled as the collector, a real snmpd on 127.0.0.1 serving UPS-MIB and
 * Printer-MIB values. Through the HTTP API the test does what the console's Add device does
 * (web/src/app/features/devices): a UPS, a switch and a printer, each with its type's default
 * checks and the community as a secret parameter. Their results are stored as the devices',
 * their reports have what the charts draw, the community appears in no API answer and in no plan
 * but the collector's. Then snmpd stops: the SNMP checks turn to connection_timeout with a
 * message while ping goes on and the agent keeps running. SQLite, and PostgreSQL when
 * PROPHASIS_TEST_POSTGRES_URL is set.
 */
for (const dialect of ['sqlite', ...(PG_URL ? ['postgres'] : [])] as const) {
  describe(`a UPS, a switch and a printer over SNMP through a collector (system, ${dialect})`, function () {
    this.timeout(180_000);
    let dir: string;
    let core: Core | undefined;
    let agent: AgentProcess | undefined;
    let snmpd: Awaited<ReturnType<typeof startSnmpd>> | undefined;
    let cookie = '';
    let dropDatabase: (() => Promise<void>) | undefined;
    let collectorId = 0;
    const devices: Record<DeviceType, number> = { ups: 0, switch: 0, printer: 0 };
    const answers: string[] = [];
    const agentOutput = () => `agent output: ${agent?.output().slice(-3000) ?? '(none)'}`;

    async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
      const res = await fetch(`http://127.0.0.1:${core!.httpPort}/api${path}`, {
        method,
        headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      answers.push(`${method} ${path}: ${text}`);
      return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
    }
    const report = async (type: DeviceType) => {
      const res = await api<HostReport>('GET', `/reports/hosts/${devices[type]}`);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      return res.json;
    };
    const pluginOf = (r: HostReport, pluginId: string) => r.plugins.find((p) => p.pluginId === pluginId);

    before(async function () {
      if (!existsSync(SNMPD)) this.skip(); // reason: Debian's snmpd is not installed (.ci/run installs it)
      dir = mkdtempSync(join(tmpdir(), 'prophasis-snmp-devices-'));
      snmpd = await startSnmpd(dir);
      const snmpPort = snmpd.port;
      const dataDir = join(dir, 'core');
      const logger = silentLogger();
      const env: NodeJS.ProcessEnv = { PROPHASIS_DATA_DIR: dataDir };
      if (dialect === 'postgres') {
        const pg = await createPgDatabase(PG_URL, 'prophasis_test_snmpdev');
        dropDatabase = pg.drop;
        env['DATABASE_URL'] = pg.url;
      }
      core = await startCore(
        readCoreConfig(env, { httpPort: 0, httpHost: '127.0.0.1', mqttPort: 0, mqttHost: '127.0.0.1', localMarketplace: false, logLevel: 'silent' }),
        logger,
      );
      await core.db.models.User.create({ name: 'admin', role: 'admin', passwordHash: await hashPassword(PASSWORD) });
      const login = await fetch(`http://127.0.0.1:${core.httpPort}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password: PASSWORD }) });
      assert.equal(login.status, 200);
      cookie = /prophasis_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];

      const added = await hostAdd(
        { registry: core.registry, caFingerprint: core.transport.caFingerprint, httpPort: core.httpPort, mqttPort: core.transport.mqttPort },
        { name: 'gw-1', server: '127.0.0.1' },
      );
      const collector = await core.db.models.Host.findOne({ where: { name: 'gw-1' } });
      assert.ok(collector);
      collectorId = collector.id;
      const agentEnv = { PROPHASIS_DATA_DIR: join(dir, 'agent'), PROPHASIS_LOG_LEVEL: 'info' };
      const enrol = startAgent(['enroll', '--server', `127.0.0.1:${core.transport.mqttPort}`, '--ca-fingerprint', core.transport.caFingerprint], { ...agentEnv, PROPHASIS_ENROL_TOKEN: added.token });
      assert.equal(await enrol.exited(30_000), 0, `enroll failed: ${enrol.output()}`);
      agent = startAgent(['run'], agentEnv);
      await waitFor('the collector online', async () => (await collector.reload()).connectedSince != null, 30_000, agentOutput);

      // The core builds, signs and approves plugins/ at start (first-party): wait for the five.
      const wanted = new Set(Object.values(DEFAULTS).flat());
      await waitFor(
        'the first-party device plugins installed',
        async () => {
          const res = await api<{ items: { pluginId: string; version: string | null }[] }>('GET', '/plugins?limit=100');
          const have = new Set(res.json.items.filter((p) => p.version !== null).map((p) => p.pluginId));
          return [...wanted].every((p) => have.has(p));
        },
        90_000,
      );

      // What the console's Add device does, for each type: the device, one check with the type's
      // default plugins (SNMP ones get the community), a schedule. Two additions the form has no
      // field for: the port snmpd listens on (a device's is 161), and the switch's interface.
      for (const type of Object.keys(DEFAULTS) as DeviceType[]) {
        const device = await api<{ id: number }>('POST', '/hosts', { name: `${type}-1`, kind: 'device', address: '127.0.0.1', deviceType: type, collectorId });
        assert.equal(device.status, 201, JSON.stringify(device.json));
        devices[type] = device.json.id;
        const params = (pluginId: string) =>
          SNMP_PLUGINS.has(pluginId) ? { version: '2c', community: COMMUNITY, port: snmpPort, ...(pluginId === 'io.prophasis.snmp-interfaces' ? { ifIndex: 1, sampleMs: 1000 } : {}) } : {};
        const check = await api<{ id: number }>('POST', '/checks', {
          name: `${type}-1 (${type})`,
          description: `Default checks of the device ${type}-1`,
          hostIds: [device.json.id],
          groupIds: [],
          plugins: DEFAULTS[type].map((pluginId) => ({ pluginId, params: params(pluginId) })),
        });
        assert.equal(check.status, 201, JSON.stringify(check.json));
        const schedule = await api('POST', '/schedules', { name: `${type}-1 every 4 s`, enabled: true, checkIds: [check.json.id], intervals: [{ start: 0, everyMs: 4_000 }] });
        assert.equal(schedule.status, 201, JSON.stringify(schedule.json));
      }
    });

    after(async () => {
      agent?.kill();
      await agent?.exited(10_000).catch(() => undefined);
      await core?.stop();
      await snmpd?.stop();
      await dropDatabase?.();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('stores each device\'s results as the device\'s, none as the collector\'s, with the expected states', async () => {
      const ready = (r: HostReport, ids: readonly string[]) => ids.every((id) => (pluginOf(r, id)?.series.length ?? 0) > 0 && pluginOf(r, id)?.resultType !== null);
      for (const type of Object.keys(DEFAULTS) as DeviceType[]) {
        await waitFor(`results of ${type}-1 for ${DEFAULTS[type].join(', ')}`, async () => ready(await report(type), DEFAULTS[type]), 60_000, () => `${answers.at(-1)}\n${agentOutput()}`);
      }
      const ups = await report('ups');
      assert.deepEqual(
        ups.plugins.map((p) => [p.pluginId, p.resultType, p.severity]).sort(),
        [
          ['io.prophasis.ping', 'plugin', 'ok'],
          ['io.prophasis.ups', 'plugin', 'ok'],
        ],
      );
      assert.equal(pluginOf(ups, 'io.prophasis.ups')!.value, 97);
      assert.equal(pluginOf(ups, 'io.prophasis.ups')!.message, '127.0.0.1: battery normal, charge 97%, output normal, 55 min remaining');
      assert.match(pluginOf(ups, 'io.prophasis.ping')!.message ?? '', /^127\.0\.0\.1: \d+\/\d+ replies, loss 0%/);

      const printer = await report('printer');
      const supplies = pluginOf(printer, 'io.prophasis.printer-supplies')!;
      assert.deepEqual([supplies.resultType, supplies.severity, supplies.value, supplies.message], ['plugin', 'ok', 40, '127.0.0.1: lowest Black Toner 40%; Black Toner 40%, Cyan Toner 60%']);
      assert.equal(pluginOf(printer, 'io.prophasis.snmp-uptime')!.resultType, 'plugin');

      const sw = await report('switch');
      const iface = pluginOf(sw, 'io.prophasis.snmp-interfaces')!;
      assert.equal(iface.resultType, 'plugin', iface.message ?? '');
      assert.ok(typeof iface.value === 'number' && iface.value >= 0, `a rate: ${iface.value}`);
      assert.match(iface.message ?? '', /^127\.0\.0\.1: interface ifIndex 1 oper up, in [\d.]+ [kMG]?bit\/s, out [\d.]+ [kMG]?bit\/s/);
      const uptime = pluginOf(sw, 'io.prophasis.snmp-uptime')!;
      assert.equal(uptime.resultType, 'plugin');
      assert.match(uptime.message ?? '', /^127\.0\.0\.1: up 0 d 0 h \d+ min/);
      for (const r of [ups, printer, sw]) assert.equal(r.presence.state, 'connected', `${r.host.name}: its collector's presence`);

      const m = core!.db.models;
      assert.equal(await m.Result.count({ where: { hostId: collectorId } }), 0, 'nothing stored as the collector');
      for (const type of Object.keys(DEFAULTS) as DeviceType[]) assert.ok((await m.Result.count({ where: { hostId: devices[type] } })) >= DEFAULTS[type].length);
    });

    it('the community is in no API answer, not in the database in clear, and in no plan but the collector\'s', async () => {
      for (const type of Object.keys(DEFAULTS) as DeviceType[]) {
        await api('GET', `/hosts/${devices[type]}`);
        await api('GET', `/reports/hosts/${devices[type]}/messages`);
      }
      await api('GET', '/checks');
      await api('GET', '/hosts');
      await api('GET', '/reports/hosts');
      for (const a of answers) assert.doesNotMatch(a, new RegExp(COMMUNITY), a.slice(0, 200));
      assert.ok(answers.some((a) => a.startsWith('GET /checks: ') && a.includes('io.prophasis.ups')), 'the checks were read');
      const stored = await core!.db.sequelize.query<{ params: unknown }>('SELECT params FROM check_plugins', { type: QueryTypes.SELECT });
      assert.ok(stored.length >= 8);
      for (const row of stored) assert.doesNotMatch(JSON.stringify(row.params), new RegExp(COMMUNITY));

      const built = buildPlans({ ...(await loadConfigRows(core!.db, createSecretBox(join(dir, 'core')))).input, usable: () => true });
      for (const [hostId, plan] of built.plans) {
        const text = JSON.stringify(plan.entries);
        if (hostId === collectorId) assert.match(text, new RegExp(COMMUNITY), 'the collector is sent the community to use');
        else assert.doesNotMatch(text, new RegExp(COMMUNITY), `plan of host ${hostId}`);
      }
      assert.doesNotMatch(agent!.output(), new RegExp(COMMUNITY), 'not in the agent\'s log');
    });

    it('snmpd gone: the SNMP checks turn connection_timeout with a message, ping goes on, the agent keeps running', async () => {
      const stoppedAt = Date.now();
      await snmpd!.stop();
      const m = core!.db.models;
      const timedOut = async (type: DeviceType, pluginId: string) => {
        const plugin = await m.Plugin.findOne({ where: { pluginId } });
        const row = await m.Result.findOne({ where: { hostId: devices[type], pluginId: plugin!.id, resultType: 'connection_timeout' }, order: [['measuredAt', 'DESC']] });
        return row && Number(row.measuredAt) >= stoppedAt ? row : null;
      };
      const ups = await waitFor('the UPS check timed out', () => timedOut('ups', 'io.prophasis.ups'), 90_000, agentOutput);
      assert.match(ups.message ?? '', /^127\.0\.0\.1: no SNMP answer/);
      const printer = await waitFor('the printer supplies check timed out', () => timedOut('printer', 'io.prophasis.printer-supplies'), 60_000, agentOutput);
      assert.match(printer.message ?? '', /^127\.0\.0\.1: no SNMP answer/);
      await waitFor('the UPS state major (its classifier: no answer)', async () => pluginOf(await report('ups'), 'io.prophasis.ups')?.severity === 'major', 30_000);

      // The agent and its sandbox are fine: ping results of the UPS keep arriving after the timeouts.
      const ping = await m.Plugin.findOne({ where: { pluginId: 'io.prophasis.ping' } });
      const after = Date.now();
      await waitFor(
        'a ping of the UPS after the timeouts',
        () => m.Result.findOne({ where: { hostId: devices.ups, pluginId: ping!.id, resultType: 'plugin' }, order: [['measuredAt', 'DESC']] }).then((r) => (r && Number(r.measuredAt) >= after ? r : null)),
        60_000,
        agentOutput,
      );
      assert.equal(agent!.child.exitCode, null, 'the agent is still running');
      assert.equal((await api<HostReport>('GET', `/reports/hosts/${devices.ups}`)).json.presence.state, 'connected');
    });
  });
}
