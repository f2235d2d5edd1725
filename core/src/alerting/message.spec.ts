import assert from 'node:assert/strict';
import { renderSubject, renderText, noticeJson, testNotice } from './message.js';
import type { AlertNotice } from './types.js';

const AT = Date.UTC(2026, 11, 7, 10, 6, 31);
const LAST_SEEN = Date.UTC(2026, 11, 7, 10, 5, 1);
const base: AlertNotice = {
  alert: { id: 1, name: 'Pager' },
  target: { kind: 'host', id: 3, name: 'web-1' },
  plugin: null,
  from: 'ok',
  to: 'major',
  at: AT,
  late: false,
  causes: [],
  test: false,
};

describe('alert message texts', () => {
  it('a plugin change: names host, plugin and the change', () => {
    const n = { ...base, plugin: { id: 5, pluginId: 'io.prophasis.cpu-load', name: 'cpu-load' } };
    assert.equal(renderSubject(n), 'web-1 cpu-load: ok → major');
    assert.match(renderText(n), /^Alert: Pager\nHost: web-1\nPlugin: cpu-load \(io\.prophasis\.cpu-load\)\nChange: ok → major\nTime: 2026-12-07T10:06:31\.000Z\nWhy: the state changed$/);
  });

  it('carries the check, the value with its unit and the message, the times of a late result and the console link', () => {
    const n: AlertNotice = {
      ...base,
      late: true,
      plugin: { id: 5, pluginId: 'io.prophasis.disk', name: 'disk' },
      check: { id: 7, name: 'Disks' },
      result: { value: 93.5, unit: '%', message: '/var is nearly full', measuredAt: AT, receivedAt: AT + 3_600_000 },
      link: 'https://mon.example.com/hosts/3/detail',
    };
    const text = renderText(n);
    assert.match(text, /\nPlugin: disk \(io\.prophasis\.disk\)\nCheck: Disks\nChange: ok → major\nValue: 93\.5 % — \/var is nearly full\nTime: 2026-12-07T10:06:31\.000Z\nMeasured: 2026-12-07T10:06:31\.000Z; received: 2026-12-07T11:06:31\.000Z\n/);
    assert.match(text, /\nConsole: https:\/\/mon\.example\.com\/hosts\/3\/detail\n/);
    const json = noticeJson(n);
    assert.deepEqual(json.check, { id: 7, name: 'Disks' });
    assert.deepEqual(json.result, n.result);
    assert.equal(json.link, 'https://mon.example.com/hosts/3/detail');
    // Without a unit or a message: just the value; without details: no lines, nulls in JSON.
    assert.match(renderText({ ...base, result: { value: 2, unit: null, message: null, measuredAt: AT, receivedAt: AT } }), /\nValue: 2\n/);
    assert.doesNotMatch(renderText(base), /Value:|Check:|Console:|Measured:/);
    assert.equal(noticeJson(base).link, null);
  });

  it('says why it was sent: the reason in the subject, the Why line and the JSON', () => {
    const plugin = { id: 5, pluginId: 'io.prophasis.cpu-load', name: 'cpu-load' };
    assert.equal(noticeJson({ ...base, plugin }).reason, 'transition');
    const repeat = { ...base, plugin, reason: 'repeat' as const };
    assert.equal(renderSubject(repeat), 'REPEAT web-1 cpu-load: ok → major');
    assert.match(renderText(repeat), /\nWhy: repeat: the problem lasts and is not acknowledged$/);
    assert.equal(noticeJson(repeat).reason, 'repeat');
    assert.equal(renderSubject({ ...base, plugin, reason: 'flapping-started' }), 'FLAPPING web-1 cpu-load: ok → major');
    assert.equal(renderSubject({ ...base, plugin, reason: 'escalation', late: true }), 'ESCALATED LATE web-1 cpu-load: ok → major');
    assert.match(renderText({ ...base, reason: 'maintenance-ended' }), /\nWhy: a maintenance window ended and the problem is still present$/);
    // A host made unreachable is sent because it is unreachable, without being told so.
    const unreachable = { ...base, reachability: { kind: 'unreachable' as const, since: AT, lastSeen: LAST_SEEN } };
    assert.equal(noticeJson(unreachable).reason, 'unreachable');
    assert.match(renderText(unreachable), /\nWhy: the host's agent is unreachable$/);
  });

  it('a host made unreachable says so in words, with since when its agent is not connected', () => {
    const n = { ...base, reachability: { kind: 'unreachable' as const, since: AT, lastSeen: LAST_SEEN } };
    assert.equal(renderSubject(n), 'web-1 is unreachable (agent not connected since 10:05 UTC)');
    const text = renderText(n);
    assert.match(text, /^web-1 is unreachable \(agent not connected since 10:05 UTC\)\.\n/);
    assert.match(text, /\nChange: ok → major \(its agent is unreachable\)\n/);
    assert.match(text, /\nAgent: last heard from 2026-12-07T10:05:01\.000Z; unreachable since 2026-12-07T10:06:31\.000Z, when its grace period ran out\n/);
    assert.deepEqual(noticeJson(n).reachability, { kind: 'unreachable', since: AT, lastSeen: LAST_SEEN });
    assert.equal(noticeJson(n).subject, 'web-1 is unreachable (agent not connected since 10:05 UTC)');
  });

  it('an agent last heard from on an earlier day gets the date too; a late or test notice keeps its marks', () => {
    const n = { ...base, late: true, test: true, reachability: { kind: 'unreachable' as const, since: AT, lastSeen: LAST_SEEN - 86_400_000 } };
    assert.equal(renderSubject(n), '[TEST] LATE web-1 is unreachable (agent not connected since 2026-12-06 10:05 UTC)');
  });

  it('a host back from unreachable says so', () => {
    const n = { ...base, from: 'major' as const, to: 'ok' as const, reachability: { kind: 'reachable' as const, since: AT } };
    assert.equal(renderSubject(n), 'web-1 is reachable again (agent connected at 10:06 UTC)');
    assert.match(renderText(n), /\nChange: major → ok \(its agent is back\)\nAgent: connected again at 2026-12-07T10:06:31\.000Z\n/);
  });

  it('a notice without reachability, and the Test notice, read as before', () => {
    assert.equal(renderSubject({ ...base, reachability: null }), 'web-1: ok → major');
    assert.equal(noticeJson(base).reachability, null);
    assert.equal(renderSubject(testNotice({ id: 1, name: 'Pager' }, AT)), '[TEST] test-host test: ok → major');
  });
});
