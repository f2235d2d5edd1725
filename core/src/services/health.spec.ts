import assert from 'node:assert/strict';
import { SEVERITIES, type Severity } from '@prophasis/protocol';
import { hostSeverity } from '../state/index.js';
import { dependencySeverity, evaluateService, hostCondition, redundancySeverity, type ServiceDefinition } from './health.js';

describe('services: what counts as failed', () => {
  const expected: Record<Severity, string> = {
    critical: 'failed',
    major: 'failed',
    minor: 'failed',
    degraded: 'degraded',
    unknown: 'unknown',
    ok: 'ok',
    no_data: 'unknown',
  };
  for (const s of SEVERITIES) it(`${s} → ${expected[s]}`, () => assert.equal(hostCondition(s), expected[s]));
});

describe('services: propagation table', () => {
  const dependency: [Severity[], Severity][] = [
    [[], 'unknown'],
    [['ok'], 'ok'],
    [['ok', 'ok'], 'ok'],
    [['major'], 'critical'],
    [['minor'], 'critical'],
    [['ok', 'minor'], 'critical'],
    [['degraded'], 'degraded'],
    [['ok', 'degraded'], 'degraded'],
    [['unknown'], 'unknown'],
    [['no_data'], 'unknown'],
    [['ok', 'no_data'], 'unknown'],
    [['degraded', 'unknown'], 'degraded'],
    [['unknown', 'major'], 'critical'],
  ];
  for (const [hosts, expected] of dependency) {
    it(`dependency [${hosts.join(', ')}] → ${expected}`, () => assert.equal(dependencySeverity(hosts), expected));
  }

  const redundancy: [Severity[], Severity][] = [
    [[], 'critical'],
    [['ok'], 'ok'],
    [['ok', 'ok'], 'ok'],
    [['major'], 'critical'],
    [['major', 'minor'], 'critical'],
    [['ok', 'major'], 'degraded'],
    [['ok', 'minor', 'major'], 'degraded'],
    [['ok', 'degraded'], 'degraded'],
    [['degraded', 'major'], 'degraded'],
    [['degraded'], 'degraded'],
    [['ok', 'unknown'], 'unknown'],
    [['ok', 'no_data'], 'unknown'],
    [['ok', 'unknown', 'major'], 'degraded'],
    [['unknown', 'major'], 'unknown'],
    [['no_data', 'no_data'], 'unknown'],
  ];
  for (const [hosts, expected] of redundancy) {
    it(`redundancy group [${hosts.join(', ')}] → ${expected}`, () => assert.equal(redundancySeverity(hosts), expected));
  }
});

describe('services: the original design’s "Website" example', () => {
  const [router, web1, web2, web3] = [1, 2, 3, 4];
  const website: ServiceDefinition = {
    id: 1,
    name: 'Website',
    dependencies: [{ name: 'router', hostIds: [router] }],
    redundancyGroups: [{ name: 'web servers', hostIds: [web1, web2, web3] }],
  };
  const run = (states: Record<number, Severity>) => evaluateService(website, (h) => states[h] ?? 'no_data');
  const allUp = { [router]: 'ok', [web1]: 'ok', [web2]: 'ok', [web3]: 'ok' } as Record<number, Severity>;

  it('all up → ok', () => {
    const r = run(allUp);
    assert.equal(r.severity, 'ok');
    assert.deepEqual(r.parts, [
      { kind: 'dependency', name: 'router', severity: 'ok' },
      { kind: 'redundancy', name: 'web servers', severity: 'ok' },
    ]);
  });
  it('router down → critical', () => assert.equal(run({ ...allUp, [router]: 'major' }).severity, 'critical'));
  it('router unreachable (major by reachability) → critical', () => assert.equal(run({ ...allUp, [router]: hostSeverity(['ok'], true) }).severity, 'critical'));
  it('one web server down → degraded', () => {
    const r = run({ ...allUp, [web2]: 'major' });
    assert.equal(r.severity, 'degraded');
    assert.equal(r.parts[1]!.severity, 'degraded');
  });
  it('two of three web servers down → still degraded', () => assert.equal(run({ ...allUp, [web1]: 'minor', [web2]: 'major' }).severity, 'degraded'));
  it('every web server down → critical', () => assert.equal(run({ ...allUp, [web1]: 'major', [web2]: 'major', [web3]: 'minor' }).severity, 'critical'));
  it('router unknown, web servers fine → unknown', () => assert.equal(run({ ...allUp, [router]: 'unknown' }).severity, 'unknown'));
  it('router unknown but every web server down → critical wins over unknown', () =>
    assert.equal(run({ [router]: 'unknown', [web1]: 'major', [web2]: 'major', [web3]: 'major' }).severity, 'critical'));
  it('one web server degraded and the router without data → degraded (protocol order)', () =>
    assert.equal(run({ ...allUp, [router]: 'no_data', [web1]: 'degraded' }).severity, 'degraded'));
  it('nothing reported yet → unknown', () => assert.equal(run({}).severity, 'unknown'));
  it('an empty service → no_data', () => {
    const r = evaluateService({ id: 2, name: 'empty', dependencies: [], redundancyGroups: [] }, () => 'ok');
    assert.deepEqual(r, { severity: 'no_data', parts: [] });
  });
});
