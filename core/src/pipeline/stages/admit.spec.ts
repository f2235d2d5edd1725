import { resultId, silentLogger, type Result } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { memorySystemLog } from '../../kernel/index.js';
import type { PlannedEntry } from '../../scheduler/index.js';
import type { IngestCounters, PlanView } from '../types.js';
import { createAdmission } from './admit.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const PLUGIN = 'io.prophasis.cpu-load';
const KEY = `7:${PLUGIN}`;
/** Two enrolled hosts with the same check in their plans, and a Run now the core asked host 1 for. */
const HOSTS = new Map([
  ['a-one', 1],
  ['a-two', 2],
]);
const REQUEST = 'rq-1';

function planned(): PlannedEntry {
  return {
    entry: { key: KEY, checkId: '7', pluginId: PLUGIN, version: '1.0.0', sha256: 'a'.repeat(64), params: {}, intervals: [{ start: T0, everyMs: MIN }], capabilities: [] },
    checkRowId: 7,
    pluginRowId: 3,
    historyCount: 1,
    defaultClassifier: '',
  };
}

const plans: PlanView = {
  ready: async () => {},
  snapshot: () => ({ hostByAgent: HOSTS, entries: new Map([1, 2].map((h) => [h, new Map([[KEY, planned()]])])), maxLatenessMs: 5 * MIN }),
  runRequest: (id) => (id === REQUEST ? { hostId: 1, checkRowId: null, pluginRowId: 3, pluginId: PLUGIN, historyCount: 1, defaultClassifier: '' } : undefined),
  classifierFor: () => {
    throw new Error('not used by admission');
  },
};

function setup() {
  const systemLog = memorySystemLog();
  const counters: IngestCounters = { stored: 0, duplicates: 0, refused: 0, batches: 0 };
  const admission = createAdmission({ plans, systemLog, log: silentLogger(), now: () => T0 + 10 * MIN, counters });
  return { admission, systemLog, counters };
}

const scheduled = (agentId: string, slot: number, over: Partial<Result> = {}): Result => ({
  id: resultId(agentId, { entryKey: KEY, slot }),
  checkId: '7',
  pluginId: PLUGIN,
  version: '1.0.0',
  slot,
  measuredAt: slot + 500,
  durationMs: 5,
  value: 1,
  message: null,
  resultType: 'plugin',
  ...over,
});
const runNow = (agentId: string, requestId = REQUEST): Result => ({ ...scheduled(agentId, 0), id: resultId(agentId, { requestId }), checkId: null, slot: null, requestId });

describe('admission: result ids verified against the sending agent', () => {
  it('admits a scheduled result and a Run now result whose ids the sender derives', async () => {
    const { admission, counters, systemLog } = setup();
    const items = await admission.admit('a-one', [scheduled('a-one', T0 + 9 * MIN), runNow('a-one')]);
    assert.deepEqual(
      items.map((i) => [i.resultId, i.hostId, i.slotAt]),
      [
        [resultId('a-one', { entryKey: KEY, slot: T0 + 9 * MIN }), 1, T0 + 9 * MIN],
        [resultId('a-one', { requestId: REQUEST }), 1, null],
      ],
    );
    assert.equal(counters.refused, 0);
    assert.deepEqual(systemLog.entries, []);
  });

  it("refuses another agent's id (same plan entry and slot) with a logged reason", async () => {
    const { admission, counters, systemLog } = setup();
    const squatted = scheduled('a-one', T0 + 10 * MIN); // a-one's next id, sent by a-two
    const own = scheduled('a-two', T0 + 9 * MIN);
    const items = await admission.admit('a-two', [squatted, own]);
    assert.deepEqual(
      items.map((i) => [i.resultId, i.hostId]),
      [[own.id, 2]],
      'the good result of the same message is admitted',
    );
    assert.equal(counters.refused, 1);
    assert.equal(systemLog.entries.length, 1);
    const [entry] = systemLog.entries;
    assert.equal(entry!.level, 'warn');
    assert.equal(entry!.component, 'ingest');
    assert.equal(entry!.message, `result refused: result id ${squatted.id} does not belong to this agent (plugin ${PLUGIN} of check 7, slot ${T0 + 10 * MIN})`);
    assert.deepEqual([entry!.context.agentId, entry!.context.hostId, entry!.context.resultId], ['a-two', 2, squatted.id]);
  });

  it("refuses a Run now result carrying another agent's request-derived id", async () => {
    const { admission, systemLog } = setup();
    const foreign = { ...runNow('a-one'), id: resultId('a-two', { requestId: REQUEST }) };
    assert.deepEqual(await admission.admit('a-one', [foreign]), []);
    assert.match(systemLog.entries[0]!.message, new RegExp(`^result refused: result id ${foreign.id} does not belong to this agent \\(Run now ${REQUEST}\\)$`));
  });

  it('refuses an id derived for another slot or another plan entry, and a scheduled result without a slot', async () => {
    const { admission, systemLog, counters } = setup();
    const wrongSlot = scheduled('a-one', T0 + 9 * MIN, { id: resultId('a-one', { entryKey: KEY, slot: T0 + 8 * MIN }) });
    const wrongEntry = scheduled('a-one', T0 + 9 * MIN, { id: resultId('a-one', { entryKey: `8:${PLUGIN}`, slot: T0 + 9 * MIN }) });
    const made = scheduled('a-one', T0 + 9 * MIN, { id: 'r-1' });
    const noSlot = scheduled('a-one', T0 + 9 * MIN, { slot: null });
    assert.deepEqual(await admission.admit('a-one', [wrongSlot, wrongEntry, made, noSlot]), []);
    assert.equal(counters.refused, 4);
    assert.deepEqual(
      systemLog.entries.map((e) => e.message.replace(/result id \S+ /, 'result id ID ')),
      [
        `result refused: result id ID does not belong to this agent (plugin ${PLUGIN} of check 7, slot ${T0 + 9 * MIN})`,
        `result refused: result id ID does not belong to this agent (plugin ${PLUGIN} of check 7, slot ${T0 + 9 * MIN})`,
        `result refused: result id ID does not belong to this agent (plugin ${PLUGIN} of check 7, slot ${T0 + 9 * MIN})`,
        `result refused: scheduled result of plugin ${PLUGIN} of check 7 has no slot`,
      ],
    );
  });

  it('logs at most 10 refusals per agent and minute to the system log, but counts them all', async () => {
    const { admission, systemLog, counters } = setup();
    const forged = Array.from({ length: 25 }, (_, i) => scheduled('a-one', T0 + i * MIN, { id: `forged-${i}` }));
    await admission.admit('a-two', forged);
    await admission.admit('a-one', [scheduled('a-two', T0)]);
    assert.equal(counters.refused, 26);
    assert.deepEqual(
      systemLog.entries.map((e) => e.context.agentId),
      [...Array<string>(10).fill('a-two'), 'a-one'],
    );
  });
});
