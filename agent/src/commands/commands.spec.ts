import assert from 'node:assert/strict';
import { createMessage, type CmdMessage } from '@prophasis/protocol';
import { captureLogger, LEVEL } from '../../test/support/log-capture.js';
import { createCommandDispatcher, defaultCommandHandlers } from './index.js';

describe('command registry', () => {
  function setup() {
    const { logger, lines } = captureLogger('info');
    const child = logger.child({ component: 'connection' });
    const dispatch = createCommandDispatcher(defaultCommandHandlers(), {
      logger: logger.child({ component: 'commands' }),
      setLogLevel: (level) => {
        logger.level = level;
      },
    });
    return { logger, child, lines, dispatch };
  }

  it('has exactly one handler per cmd message type', () => {
    assert.deepEqual(Object.keys(defaultCommandHandlers()).sort(), ['bundle.install', 'bundle.remove', 'check.run', 'config.set', 'plan.set']);
  });

  it('config.set changes the log level of the root and of existing child loggers', async () => {
    const { child, lines, dispatch } = setup();
    child.debug('before');
    await dispatch(createMessage('config.set', { logLevel: 'debug' }));
    child.debug('after');
    assert.deepEqual(lines.filter((l) => l.level === LEVEL.debug).map((l) => l.msg), ['after']);
    await dispatch(createMessage('config.set', { logLevel: 'warn' }));
    child.info('quiet');
    assert.ok(!lines.some((l) => l.msg === 'quiet'));
  });

  it('the commands of later issues are acknowledged with a "not yet supported" warning', async () => {
    const { lines, dispatch } = setup();
    const sha = 'b'.repeat(64);
    const commands: CmdMessage[] = [
      createMessage('plan.set', { revision: 1, maxLatenessMs: 0, entries: [] }),
      createMessage('check.run', { requestId: 'r1', checkId: null, pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: sha, params: {} }),
      createMessage('bundle.remove', { pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: sha }),
      createMessage('bundle.install', { pluginId: 'io.prophasis.cpu', version: '1.0.0', sha256: sha, bundle: '' }),
    ];
    for (const c of commands) await dispatch(c);
    assert.deepEqual(
      lines.filter((l) => l.level === LEVEL.warn).map((l) => l.type),
      ['plan.set', 'check.run', 'bundle.remove', 'bundle.install'],
    );
    assert.ok(lines.every((l) => l.level !== LEVEL.warn || /not yet supported/.test(l.msg)));
  });
});
