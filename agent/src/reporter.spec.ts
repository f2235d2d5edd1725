import assert from 'node:assert/strict';
import { bodyProblem, decodeMessage, encodeMessage, silentLogger, type ResMessage } from '@prophasis/protocol';
import { createFakeClock } from '../test/support/fake-clock.js';
import { createReporter, type SandboxFigures } from './reporter.js';

describe('agent.report: the sandbox process figures', () => {
  function setup() {
    const clock = createFakeClock(1_000_000);
    const sent: ResMessage[] = [];
    let sandbox: SandboxFigures = { running: false, starts: 0, lastStartMs: null };
    const reporter = createReporter(
      { intervalMs: 60_000 },
      {
        clock,
        logger: silentLogger(),
        publish: async (_channel, message) => {
          sent.push(message);
        },
        sources: {
          missed: () => 0,
          markMissedReported: () => undefined,
          dropped: () => 0,
          markDroppedReported: () => undefined,
          depth: () => 3,
          lastError: () => null,
          sandbox: () => sandbox,
        },
      },
    );
    return { clock, sent, reporter, set: (s: SandboxFigures) => (sandbox = s) };
  }
  const flush = () => new Promise((r) => setImmediate(r));

  it('carries running, starts and the last start time; a new start is reported at the next interval, an unchanged one is not', async () => {
    const { clock, sent, reporter, set } = setup();
    reporter.start();
    reporter.connected();
    await flush();
    assert.equal(sent.length, 1, 'a report on connect');
    const first = sent[0]!;
    assert.equal(first.type, 'agent.report');
    assert.deepEqual(first.type === 'agent.report' && first.body.sandbox, { running: false, starts: 0, lastStartMs: null });
    assert.ok(decodeMessage(encodeMessage(first), 'res').ok, 'the report is valid under the protocol schema');

    set({ running: true, starts: 1, lastStartMs: 180 });
    clock.advance(60_000);
    await flush();
    assert.equal(sent.length, 2, 'the sandbox started: reported at the next interval');
    const second = sent[1]!;
    assert.deepEqual(second.type === 'agent.report' && second.body.sandbox, { running: true, starts: 1, lastStartMs: 180 });
    assert.ok(decodeMessage(encodeMessage(second), 'res').ok);

    clock.advance(60_000);
    await flush();
    assert.equal(sent.length, 2, 'nothing new: no report');

    set({ running: false, starts: 1, lastStartMs: 180 });
    clock.advance(60_000);
    await flush();
    assert.equal(sent.length, 2, 'an idle stop alone is no reason for a report');
    reporter.stop();
  });

  it('the protocol refuses a sandbox field of the wrong shape, naming it', () => {
    const body = { missedSlots: 0, outboxDropped: 0, outboxDepth: 0, lastError: null };
    assert.equal(bodyProblem('agent.report', body), undefined, 'the field is optional (older agents)');
    assert.match(bodyProblem('agent.report', { ...body, sandbox: { running: true, starts: -1, lastStartMs: null } }) ?? '', /\/body\/sandbox\/starts/);
    assert.match(bodyProblem('agent.report', { ...body, sandbox: { running: true, starts: 1, lastStartMs: null, pid: 7 } }) ?? '', /\/body\/sandbox/);
  });
});
