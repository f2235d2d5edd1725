import { createMessage, silentLogger, type StateMessage } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { mock } from 'node:test';
import { createMemoryRegistryStore } from '../../src/enrolment/memory-store.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';
import { createPresence, formatDuration, type HostPresenceEvent } from '../../src/presence/presence.js';

const GRACE = 90_000;
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const state = (status: 'online' | 'offline', extra: Partial<StateMessage['body']> = {}): StateMessage =>
  createMessage('state', { status, ...extra }) as StateMessage;

async function setup() {
  const store = createMemoryRegistryStore();
  const host = await store.findOrCreatePendingHost('web-1');
  const consumed = await (async () => {
    await store.insertToken({ hostId: host.hostId, tokenHash: 'h', expiresAt: new Date(Date.now() + 60_000), createdBy: 'test' });
    return store.consumeToken('h', new Date(), {
      agentId: 'a-presence',
      secretHash: 'v1$x$y',
      facts: { hostname: 'web-1', platform: 'linux', arch: 'x64', agentVersion: '0.1.0', nodeVersion: '24' },
    });
  })();
  assert.ok(consumed.ok);
  const events: HostPresenceEvent[] = [];
  const systemLog = memorySystemLog();
  const presence = createPresence({ unreachableGraceMs: GRACE, lastSeenWriteMs: 60_000 }, {
    store,
    events: { publish: (e) => void events.push(e) },
    logger: silentLogger(),
    systemLog,
  });
  return { store, presence, events, systemLog, row: () => store.hosts.get(host.hostId)! };
}

describe('presence', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_700_000_000_000 }));
  afterEach(() => mock.timers.reset());

  it('records online with facts, and a repeated online keeps connected_since', async () => {
    const { presence, row, events } = await setup();
    await presence.start();
    await presence.handleState('a-presence', state('online', { agentVersion: '1.2.3', platform: 'linux', hostname: 'web-1.lan', bundles: ['a'.repeat(64)] }));
    assert.equal(row().connectedSince?.getTime(), 1_700_000_000_000);
    assert.equal(row().facts.agentVersion, '1.2.3');
    assert.deepEqual(row().facts.bundles, ['a'.repeat(64)]);
    mock.timers.tick(5_000);
    await presence.handleState('a-presence', state('online'));
    assert.equal(row().connectedSince?.getTime(), 1_700_000_000_000);
    assert.equal(row().lastSeen?.getTime(), 1_700_000_005_000);
    assert.equal(events.length, 0);
    await presence.stop();
  });

  it('marks the host unreachable only after the grace period, and reachable when it returns', async () => {
    const { presence, row, events } = await setup();
    await presence.start();
    await presence.handleState('a-presence', state('online'));
    await presence.handleState('a-presence', state('offline'));
    assert.equal(row().connectedSince, null);
    assert.deepEqual(presence.pending(), ['a-presence']);
    mock.timers.tick(GRACE - 1);
    await flush();
    assert.equal(row().unreachableSince, null);
    assert.equal(events.length, 0);
    mock.timers.tick(1);
    await flush();
    assert.equal(row().unreachableSince?.getTime(), 1_700_000_000_000 + GRACE);
    assert.deepEqual(events.map((e) => [e.type, e.agentId, e.hostId]), [['host.unreachable', 'a-presence', row().id]]);
    mock.timers.tick(10_000);
    await presence.handleState('a-presence', state('online'));
    assert.equal(row().unreachableSince, null);
    assert.equal(events.length, 2);
    assert.equal(events[1]!.type, 'host.reachable');
    assert.equal(events[1]!.unreachableSince, 1_700_000_000_000 + GRACE);
    await presence.stop();
  });

  it('a return within the grace period cancels it: no event at all', async () => {
    const { presence, row, events } = await setup();
    await presence.start();
    await presence.handleState('a-presence', state('offline'));
    mock.timers.tick(GRACE / 2);
    await presence.handleState('a-presence', state('online'));
    assert.deepEqual(presence.pending(), []);
    mock.timers.tick(GRACE * 2);
    await flush();
    assert.equal(row().unreachableSince, null);
    assert.equal(events.length, 0);
    await presence.stop();
  });

  it('resumes an interrupted grace period after a restart, counted from last_seen', async () => {
    const { presence, row, events, store } = await setup();
    await presence.start();
    await presence.handleState('a-presence', state('offline'));
    await presence.stop(); // core stops 30 s into the grace period
    mock.timers.tick(30_000);
    const restarted = createPresence({ unreachableGraceMs: GRACE, lastSeenWriteMs: 60_000 }, {
      store,
      events: { publish: (e) => void events.push(e) },
      logger: silentLogger(),
      systemLog: memorySystemLog(),
    });
    await restarted.start();
    mock.timers.tick(GRACE - 30_000 - 1);
    await flush();
    assert.equal(row().unreachableSince, null);
    mock.timers.tick(1);
    await flush();
    assert.equal(events.length, 1);
    assert.equal(row().unreachableSince?.getTime(), 1_700_000_000_000 + GRACE);
    await restarted.stop();
  });

  it('ignores states of unknown agents and survives a failing event sink', async () => {
    const store = createMemoryRegistryStore();
    const systemLog = memorySystemLog();
    const presence = createPresence({ unreachableGraceMs: GRACE, lastSeenWriteMs: 60_000 }, {
      store,
      events: {
        publish: () => {
          throw new Error('sink down');
        },
      },
      logger: silentLogger(),
      systemLog,
    });
    await presence.start();
    await presence.handleState('a-ghost', state('online'));
    await presence.handleState('a-ghost', state('offline'));
    assert.deepEqual(presence.pending(), []);
    assert.ok(systemLog.entries.some((e) => e.context.agentId === 'a-ghost'));
    await presence.stop();
    const s = await setup();
    const failing = createPresence({ unreachableGraceMs: GRACE, lastSeenWriteMs: 60_000 }, {
      store: s.store,
      events: { publish: () => Promise.reject(new Error('sink down')) },
      logger: silentLogger(),
      systemLog,
    });
    await failing.start();
    await failing.handleState('a-presence', state('offline'));
    mock.timers.tick(GRACE);
    await flush();
    assert.notEqual(s.row().unreachableSince, null, 'the host is marked even though the sink failed');
    await failing.handleState('a-presence', state('online'));
    assert.equal(s.row().unreachableSince, null);
    await failing.stop();
  });

  it('writes every change to the system log, naming the host, and no repeats', async () => {
    const { presence, systemLog } = await setup();
    const lines = () => systemLog.entries.filter((e) => e.component === 'presence').map((e) => [e.level, e.message]);
    await presence.start();
    await presence.handleState('a-presence', state('online'));
    await presence.handleState('a-presence', state('online')); // a retained online delivered again
    mock.timers.tick(10_000);
    await presence.handleState('a-presence', state('offline'));
    await presence.handleState('a-presence', state('offline')); // the Last Will after a clean goodbye
    mock.timers.tick(40_000);
    await presence.handleState('a-presence', state('online')); // a short outage, within the grace period
    mock.timers.tick(5_000);
    await presence.handleState('a-presence', state('offline'));
    mock.timers.tick(GRACE);
    await flush();
    mock.timers.tick(5 * 60_000);
    await presence.handleState('a-presence', state('online'));
    assert.deepEqual(lines(), [
      ['info', 'web-1: agent connected'],
      ['info', 'web-1: agent disconnected; the host becomes unreachable in 90 s unless it reconnects'],
      ['info', 'web-1: agent connected after 40 s away'],
      ['info', 'web-1: agent disconnected; the host becomes unreachable in 90 s unless it reconnects'],
      ['warn', `web-1 is unreachable: its agent has not been connected since ${new Date(1_700_000_055_000).toISOString()}`],
      ['info', 'web-1 is reachable again: its agent connected after 7 min away'],
    ]);
    const unreachable = systemLog.entries.find((e) => e.level === 'warn')!;
    assert.deepEqual(unreachable.context, { agentId: 'a-presence', hostId: unreachable.context.hostId, host: 'web-1', lastSeen: 1_700_000_055_000, graceMs: GRACE });
    await presence.stop();
  });

  it('formats how long an agent was away', () => {
    assert.deepEqual([0, 40_400, 119_000, 120_000, 3_600_000, 7_140_000, 7_200_000, 7_500_000].map(formatDuration), ['0 s', '40 s', '119 s', '2 min', '60 min', '119 min', '2 h', '2 h 5 min']);
  });

  it('throttles last_seen writes for result traffic', async () => {
    const { presence, row } = await setup();
    await presence.start();
    await presence.seen('a-presence');
    const first = row().lastSeen?.getTime();
    mock.timers.tick(30_000);
    await presence.seen('a-presence');
    assert.equal(row().lastSeen?.getTime(), first);
    mock.timers.tick(30_000);
    await presence.seen('a-presence');
    assert.equal(row().lastSeen?.getTime(), first! + 60_000);
    await presence.stop();
  });
});
