import assert from 'node:assert/strict';
import { createMessage, type ResMessage } from '@prophasis/protocol';
import { captureLogger, LEVEL } from '../../test/support/log-capture.js';
import { createCommandDispatcher, createCommandHandlers, type CommandServices } from './index.js';

describe('command registry', () => {
  const sha = 'b'.repeat(64);
  function setup() {
    const { logger, lines } = captureLogger('info');
    const child = logger.child({ component: 'connection' });
    const calls: string[] = [];
    const sent: ResMessage[] = [];
    let inUse = new Set<string>();
    const services: CommandServices = {
      plan: {
        setPlan: (p) => (calls.push(`plan ${p.revision}`), p.revision > 0),
        runNow: (r) => void calls.push(`run ${r.requestId}`),
        bundlesInUse: () => inUse,
        revision: () => 3,
      },
      bundles: {
        install: async (b) => (calls.push(`install ${b.pluginId}`), { status: 'refused', reason: 'BUNDLE_BAD_SIGNATURE: nope' }),
        remove: async (s) => void calls.push(`remove ${s.slice(0, 4)}`),
        prune: async (keep) => (calls.push(`prune ${[...keep].length}`), []),
      },
      outbox: { setCaps: (c) => void calls.push(`caps ${JSON.stringify(c)}`) },
      trust: { setPublishers: async (p) => (calls.push(`trust ${p.length}`), { accepted: p.length, refused: [] }) },
      send: (m) => void sent.push(m),
      bundlesChanged: () => void calls.push('changed'),
      upgrades: { request: async (o) => (calls.push(`upgrade ${o.version}`), o.version === '9.9.9' ? { status: 'refused', reason: 'AGENT_UPGRADE_BAD_SIGNATURE: nope' } : { status: 'requested' }) },
    };
    const dispatch = createCommandDispatcher(createCommandHandlers(services), {
      logger: logger.child({ component: 'commands' }),
      setLogLevel: (level) => {
        logger.level = level;
      },
    });
    return { logger, child, lines, dispatch, calls, sent, setInUse: (s: Set<string>) => (inUse = s) };
  }

  it('has exactly one handler per cmd message type', () => {
    const { calls: _c, ...rest } = setup();
    void rest;
    assert.deepEqual(Object.keys(createCommandHandlers({} as CommandServices)).sort(), ['agent.upgrade', 'bundle.install', 'bundle.remove', 'check.run', 'config.set', 'plan.set']);
  });

  it('config.set changes the log level of the root and of existing child loggers, the outbox caps and the trusted publishers', async () => {
    const { child, lines, dispatch, calls } = setup();
    child.debug('before');
    await dispatch(createMessage('config.set', { logLevel: 'debug' }));
    child.debug('after');
    assert.deepEqual(lines.filter((l) => l.level === LEVEL.debug).map((l) => l.msg), ['after']);
    await dispatch(createMessage('config.set', { logLevel: 'warn', outboxMaxResults: 5_000 }));
    child.info('quiet');
    assert.ok(!lines.some((l) => l.msg === 'quiet'));
    await dispatch(createMessage('config.set', { trustedPublishers: [] }));
    assert.deepEqual(calls, ['caps {"maxResults":5000}', 'trust 0']);
  });

  it('routes plan.set (pruning after an applied plan only), check.run, bundle.install with its status', async () => {
    const { dispatch, calls, sent } = setup();
    await dispatch(createMessage('plan.set', { revision: 0, maxLatenessMs: 0, entries: [] }));
    await dispatch(createMessage('plan.set', { revision: 1, maxLatenessMs: 0, entries: [] }));
    await dispatch(createMessage('check.run', { requestId: 'r1', checkId: null, pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: sha, params: {}, capabilities: [] }));
    await dispatch(createMessage('bundle.install', { pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: sha, bundle: '' }));
    assert.deepEqual(calls, ['plan 0', 'plan 1', 'prune 0', 'run r1', 'install io.prophasis.cpu']);
    assert.deepEqual(
      sent.map((m) => m.body),
      [{ pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: sha, status: 'refused', reason: 'BUNDLE_BAD_SIGNATURE: nope' }],
    );
  });

  it('bundle.remove refuses a bundle the plan still uses, and removes one it does not', async () => {
    const { dispatch, calls, sent, setInUse } = setup();
    setInUse(new Set([sha]));
    await dispatch(createMessage('bundle.remove', { pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: sha }));
    setInUse(new Set());
    await dispatch(createMessage('bundle.remove', { pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: sha }));
    assert.deepEqual(sent.map((m) => (m.type === 'bundle.status' ? [m.body.status, m.body.reason] : [])), [['refused', 'in use by plan revision 3'], ['removed', undefined]]);
    assert.deepEqual(calls, ['remove bbbb']);
  });

  it('agent.upgrade asks the upgrader and reports requested or refused (with the reason) as agent.upgrade.status', async () => {
    const { dispatch, calls, sent } = setup();
    const offer = { rolloutId: 4, platform: 'linux-x64', sha256: sha, size: 10, keyId: 'c'.repeat(64), signature: 'A'.repeat(86) + '==', url: 'http://core:8080/downloads/versions/x/y' };
    await dispatch(createMessage('agent.upgrade', { ...offer, version: '1.2.3' }));
    await dispatch(createMessage('agent.upgrade', { ...offer, version: '9.9.9' }));
    // The handler does not wait for the download; the status follows when it is done.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ['upgrade 1.2.3', 'upgrade 9.9.9']);
    assert.deepEqual(
      sent.map((m) => [m.type, m.body]),
      [
        ['agent.upgrade.status', { rolloutId: 4, version: '1.2.3', sha256: sha, status: 'requested' }],
        ['agent.upgrade.status', { rolloutId: 4, version: '9.9.9', sha256: sha, status: 'refused', reason: 'AGENT_UPGRADE_BAD_SIGNATURE: nope' }],
      ],
    );
  });
});
