import assert from 'node:assert/strict';
import { compareSeverity, isResultType, isSeverity, isWorse, RESULT_TYPES, SEVERITIES, severityRank, worstSeverity, type Severity } from './index.js';

describe('severity', () => {
  it('orders the seven severities most severe first', () => {
    assert.deepEqual([...SEVERITIES], ['critical', 'major', 'minor', 'degraded', 'unknown', 'ok', 'no_data']);
    const shuffled: Severity[] = ['ok', 'no_data', 'critical', 'unknown', 'minor', 'degraded', 'major'];
    assert.deepEqual(shuffled.sort(compareSeverity), [...SEVERITIES]);
    assert.equal(severityRank('critical'), 0);
    assert.ok(compareSeverity('major', 'minor') < 0);
    assert.equal(compareSeverity('ok', 'ok'), 0);
    assert.ok(isWorse('unknown', 'ok'));
    assert.ok(!isWorse('ok', 'unknown'));
  });

  it('finds the worst of a set, with a fallback for none', () => {
    assert.equal(worstSeverity(['ok', 'degraded', 'unknown']), 'degraded');
    assert.equal(worstSeverity([]), 'no_data');
    assert.equal(worstSeverity([], 'ok'), 'ok');
  });

  it('recognises severities and result types', () => {
    assert.ok(isSeverity('minor'));
    assert.ok(!isSeverity('warning'));
    assert.ok(!isSeverity('toString'));
    assert.equal(RESULT_TYPES.length, 6);
    assert.ok(isResultType('connection_timeout'));
    assert.ok(!isResultType('timeout'));
  });
});
