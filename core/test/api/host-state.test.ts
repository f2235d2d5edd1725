import { createMessage, silentLogger, type StateMessage } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createSequelizeRegistryStore } from '../../src/enrolment/sequelize-store.js';
import { renderSubject, renderText } from '../../src/alerting/message.js';
import type { AlertNotice } from '../../src/alerting/types.js';
import { createStateTracker, type StateTracker } from '../../src/pipeline/states.js';
import { sequelizePipelineStore, type TransitionRow } from '../../src/pipeline/store.js';
import { transitionReachability } from '../../src/state/index.js';
import { createPresence, type HostPresenceEvent, type Presence } from '../../src/presence/index.js';
import { createSystemLog, SYSTEM_LOG_DEFAULTS, type PersistentSystemLog } from '../../src/system-log/index.js';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const GRACE_MS = 300;
const AGENT = 'a-web-1';

const state = (status: 'online' | 'offline'): StateMessage => createMessage('state', { status }) as StateMessage;

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Issue #14, defects 1 and 2: every state endpoint tells one truth about a host whose agent
 * goes away (host list, host detail, services, the pipeline's own host state), with the
 * presence and its since-time; presence changes reach the system log; the host detail shows the
 * newest stored result, not the one that last changed the state. Presence, the state tracker
 * and the system log are the real ones over the test database; only the transport is left out
 * (its `state` messages are handed to presence as main.ts does).
 */
for (const dialect of DIALECTS) {
  describe(`API: one state of a host across endpoints (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let hostId: number;
    let cpu: number;
    let presence: Presence;
    let systemLog: PersistentSystemLog;
    let states: StateTracker;
    const presenceEvents: HostPresenceEvent[] = [];
    const hostTransitions: TransitionRow[] = [];

    /** The notice alerting makes of a host's own transition, with the reachability the state model reads for it. */
    const notice = async (t: TransitionRow) => {
      const transition = { hostId: t.hostId, pluginId: t.pluginRowId, serviceId: null, at: t.at };
      const [reachability] = await transitionReachability(api.db, [transition]);
      const n: AlertNotice = { alert: { id: 1, name: 'Pager' }, target: { kind: 'host', id: hostId, name: 'web-1' }, plugin: null, from: t.from, to: t.to, at: t.at, late: t.late, causes: [], test: false };
      return { ...n, reachability };
    };

    const list = async () => {
      const res = await call(api, 'viewer', 'GET', '/api/reports/hosts');
      assert.equal(res.statusCode, 200, res.body);
      return res.json().find((h: { id: number }) => h.id === hostId);
    };
    const detail = async () => {
      const res = await call(api, 'viewer', 'GET', `/api/reports/hosts/${hostId}?from=${T0 - 60_000}&to=${T0 + 3_600_000}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json();
    };
    const website = async () => {
      const res = await call(api, 'viewer', 'GET', '/api/reports/services');
      assert.equal(res.statusCode, 200, res.body);
      return res.json().find((s: { name: string }) => s.name === 'Website');
    };
    const presenceLog = async () => {
      await systemLog.flush();
      const res = await call(api, 'admin', 'GET', '/api/logs?component=presence&limit=100');
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().items as { message: string; level: string; context: Record<string, unknown> }[]).reverse();
    };

    before(async () => {
      api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_hoststate' });
      hostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'web-1' })).json().id;
      await api.db.models.Host.update({ agentId: AGENT, enrolmentState: 'enrolled' }, { where: { id: hostId } });
      cpu = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.memory', name: 'Memory' })).id;
      const service = await call(api, 'admin', 'POST', '/api/services', { name: 'Website', dependencies: [{ kind: 'host', id: hostId }], redundancyGroups: [] });
      assert.equal(service.statusCode, 201, service.body);

      // Two results of the same severity: the second does not change the state (defect 2).
      await api.db.models.Result.bulkCreate([
        { resultId: 'r-1', hostId, pluginId: cpu, checkId: null, measuredAt: T0, receivedAt: T0 + 5, value: 6.8, message: 'used 6.8 %', resultType: 'plugin', severity: 'ok', late: false },
        { resultId: 'r-2', hostId, pluginId: cpu, checkId: null, measuredAt: T0 + 420_000, receivedAt: T0 + 420_005, value: 11, message: 'used 11 %', resultType: 'plugin', severity: 'ok', late: false },
      ]);
      states = createStateTracker({ store: sequelizePipelineStore(api.db), logger: silentLogger() });
      await states.start();
      states.apply({ hostId, pluginRowId: cpu, severity: 'ok', t: T0, resultId: 'r-1', late: false });
      states.apply({ hostId, pluginRowId: cpu, severity: 'ok', t: T0 + 420_000, resultId: 'r-2', late: false });
      await states.persist();

      systemLog = createSystemLog(SYSTEM_LOG_DEFAULTS, { db: api.db, logger: silentLogger() });
      await systemLog.start();
      presence = createPresence(
        { unreachableGraceMs: GRACE_MS, lastSeenWriteMs: 60_000 },
        {
          store: createSequelizeRegistryStore(api.db),
          // What main.ts wires: the pipeline's host state follows reachability.
          events: {
            publish: async (event) => {
              presenceEvents.push(event);
              hostTransitions.push(...states.setReachable(Number(event.hostId), event.type === 'host.reachable', event.at));
              await states.persist();
            },
          },
          logger: silentLogger(),
          systemLog,
        },
      );
      await presence.start();
    });
    after(async () => {
      await presence?.stop();
      await systemLog?.stop();
      await api?.close();
    });

    it('connected: every endpoint says ok and connected', async () => {
      await presence.handleState(AGENT, state('online'));
      const [l, d] = [await list(), await detail()];
      assert.equal(l.severity, 'ok');
      assert.equal(d.severity, 'ok');
      assert.equal(l.online, true);
      assert.equal(l.presence.state, 'connected');
      assert.deepEqual(d.presence, l.presence);
      assert.equal((await website()).severity, 'ok');
      assert.equal(states.hostSeverity(hostId), 'ok');
    });

    it('shows the newest stored result per series, not the one that last changed the state', async () => {
      const d = await detail();
      const memory = d.plugins.find((p: { pluginId: string }) => p.pluginId === 'io.prophasis.memory');
      assert.equal(memory.value, 11, 'the latest value, not 6.8 from the last change of state');
      assert.equal(memory.measuredAt, T0 + 420_000);
      assert.equal(memory.message, 'used 11 %');
      assert.equal(memory.changedAt, T0, 'the state itself began with the first result');
      assert.equal(memory.severity, 'ok');
    });

    it('a clean stop within the grace period: disconnected (not unreachable) everywhere, still ok, logged', async () => {
      await presence.handleState(AGENT, state('offline'));
      const [l, d] = [await list(), await detail()];
      assert.equal(l.presence.state, 'disconnected');
      assert.equal(typeof l.presence.since, 'number');
      assert.deepEqual(d.presence, l.presence);
      assert.equal(l.online, false);
      assert.equal(l.severity, 'ok');
      assert.equal(d.severity, 'ok');
      const lines = await presenceLog();
      assert.ok(
        lines.some((e) => /web-1/.test(e.message) && /disconnected/.test(e.message)),
        `a disconnection line in the system log: ${JSON.stringify(lines.map((e) => e.message))}`,
      );
    });

    it('after the grace period: major and unreachable with its since-time on the list, the detail, services and the pipeline alike', async () => {
      const event = await until('host.unreachable', () => presenceEvents.find((e) => e.type === 'host.unreachable'));
      const [l, d] = [await list(), await detail()];
      assert.equal(l.severity, 'major');
      assert.equal(d.severity, 'major', 'the host detail says what the host list says');
      assert.equal(states.hostSeverity(hostId), 'major');
      assert.equal((await website()).severity, 'critical');
      assert.equal(l.presence.state, 'unreachable');
      assert.equal(l.presence.since, event.at, 'unreachable since the grace period ran out');
      assert.equal(typeof l.presence.lastSeen, 'number');
      assert.ok(l.presence.lastSeen < l.presence.since, 'last heard from before it became unreachable');
      assert.deepEqual(d.presence, l.presence);
      // Its plugins keep the last state they were measured in (docs/pipeline.md, "States and transitions").
      assert.equal(d.plugins[0].severity, 'ok');
      const lines = await presenceLog();
      assert.ok(
        lines.some((e) => e.level === 'warn' && /web-1 is unreachable/.test(e.message)),
        `an unreachable line in the system log: ${JSON.stringify(lines.map((e) => e.message))}`,
      );
    });

    it('the host-level notice of that transition says the host is unreachable, in words, since when its agent is away', async () => {
      const t = hostTransitions.find((x) => x.to === 'major');
      assert.ok(t, 'the state tracker recorded ok → major');
      assert.deepEqual([t.from, t.pluginRowId], ['ok', null]);
      const n = await notice(t);
      const { presence: p } = await list();
      const hhmm = new Date(p.lastSeen).toISOString().slice(11, 16);
      assert.deepEqual(n.reachability, { kind: 'unreachable', since: p.since, lastSeen: p.lastSeen });
      assert.equal(renderSubject(n), `web-1 is unreachable (agent not connected since ${hhmm} UTC)`);
      assert.match(renderText(n), /Change: ok → major \(its agent is unreachable\)/);
    });

    it('back: ok and connected everywhere, and the return is logged', async () => {
      await presence.handleState(AGENT, state('online'));
      const [l, d] = [await list(), await detail()];
      assert.equal(l.severity, 'ok');
      assert.equal(d.severity, 'ok');
      assert.equal(states.hostSeverity(hostId), 'ok');
      assert.equal(l.presence.state, 'connected');
      assert.deepEqual(d.presence, l.presence);
      assert.equal((await website()).severity, 'ok');
      const lines = await presenceLog();
      assert.ok(
        lines.some((e) => /web-1/.test(e.message) && /reachable again/.test(e.message)),
        `a return line in the system log: ${JSON.stringify(lines.map((e) => e.message))}`,
      );
      const back = hostTransitions.find((x) => x.from === 'major' && x.to === 'ok');
      assert.ok(back, 'the state tracker recorded major → ok');
      assert.match(renderSubject(await notice(back)), /^web-1 is reachable again \(agent connected at \d\d:\d\d UTC\)$/);
    });

    it('refuses an unknown host and an empty range, and still answers afterwards', async () => {
      const missing = await call(api, 'viewer', 'GET', '/api/reports/hosts/99999');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'CORE_API_NOT_FOUND');
      const backwards = await call(api, 'viewer', 'GET', `/api/reports/hosts/${hostId}?from=${T0 + 10}&to=${T0}`);
      assert.equal(backwards.statusCode, 400);
      assert.equal(backwards.json().details.field, 'from');
      assert.equal((await detail()).presence.state, 'connected');
    });
  });
}
