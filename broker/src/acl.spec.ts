import { cmdTopic, enrolRequestTopic, enrolResponseTopic, resTopic, stateTopic } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { canPublish, canSubscribe, describeIdentity, enrolClientIdProblem, type ClientIdentity } from './acl.js';

const A: ClientIdentity = { role: 'agent', agentId: 'agent-a' };
const ENROL: ClientIdentity = { role: 'enrolment', clientId: 'enrol-x1' };
const SERVICE: ClientIdentity = { role: 'service' };

/** Topics and filters every role is tested against. */
const CANDIDATES = [
  cmdTopic('agent-a'),
  resTopic('agent-a'),
  stateTopic('agent-a'),
  cmdTopic('agent-b'),
  resTopic('agent-b'),
  stateTopic('agent-b'),
  cmdTopic('agent-ab'),
  enrolRequestTopic('enrol-x1'),
  enrolResponseTopic('enrol-x1'),
  enrolRequestTopic('enrol-x2'),
  enrolResponseTopic('enrol-x2'),
  '#',
  '+',
  '$SYS/#',
  '$SYS/broker/heartbeat',
  'prophasis/#',
  'prophasis/v1/agents/+/cmd',
  'prophasis/v1/agents/agent-a/#',
  'prophasis/v1/agents/agent-a/+',
  'prophasis/v1/agents/+/res',
  '+/v1/agents/agent-a/cmd',
  'prophasis/v1/agents/agent-a/cmd/extra',
  'prophasis/v1/agents/agent-a/cmd/',
  'other/topic',
  '',
];

function allowedSet(check: (id: ClientIdentity, t: string) => { allowed: boolean }, id: ClientIdentity): string[] {
  return CANDIDATES.filter((t) => check(id, t).allowed);
}

describe('ACL', () => {
  it('lets an agent subscribe to exactly its own cmd topic', () => {
    assert.deepEqual(allowedSet(canSubscribe, A), [cmdTopic('agent-a')]);
  });

  it('lets an agent publish to exactly its own res and state topics', () => {
    assert.deepEqual(allowedSet(canPublish, A), [resTopic('agent-a'), stateTopic('agent-a')]);
  });

  it('lets an enrolment client subscribe to its resp and publish to its req only', () => {
    assert.deepEqual(allowedSet(canSubscribe, ENROL), [enrolResponseTopic('enrol-x1')]);
    assert.deepEqual(allowedSet(canPublish, ENROL), [enrolRequestTopic('enrol-x1')]);
  });

  it('lets the service subscribe inside prophasis/ (wildcards too) and nothing else', () => {
    const allowed = allowedSet(canSubscribe, SERVICE);
    assert.ok(allowed.includes('prophasis/#'));
    assert.ok(allowed.includes('prophasis/v1/agents/+/res'));
    for (const refused of ['#', '+', '$SYS/#', '$SYS/broker/heartbeat', '+/v1/agents/agent-a/cmd', 'other/topic', '']) {
      assert.ok(!allowed.includes(refused), refused);
    }
  });

  it('lets the service publish to concrete prophasis/ topics only', () => {
    const allowed = allowedSet(canPublish, SERVICE);
    assert.ok(allowed.includes(cmdTopic('agent-b')));
    assert.ok(allowed.includes(enrolResponseTopic('enrol-x2')));
    for (const refused of ['prophasis/#', 'prophasis/v1/agents/+/cmd', '$SYS/broker/heartbeat', 'other/topic', '']) {
      assert.ok(!allowed.includes(refused), refused);
    }
  });

  it('gives a reason for every refusal', () => {
    const d = canSubscribe(A, '#');
    assert.equal(d.allowed, false);
    assert.ok(!d.allowed && d.reason.length > 0);
    const p = canPublish(A, resTopic('agent-b'));
    assert.ok(!p.allowed && /own res and state/.test(p.reason));
    const s = canSubscribe(SERVICE, '$SYS/#');
    assert.ok(!s.allowed && /reserved/.test(s.reason));
  });

  it('checks enrolment client ids', () => {
    assert.equal(enrolClientIdProblem('enrol-abc'), undefined);
    assert.match(enrolClientIdProblem('agent-abc') ?? '', /must start with enrol-/);
    assert.match(enrolClientIdProblem('enrol-a/b') ?? '', /topic level/);
    assert.match(enrolClientIdProblem('enrol-#') ?? '', /topic level/);
  });

  it('describes identities for the log', () => {
    assert.equal(describeIdentity(A), 'agent agent-a');
    assert.equal(describeIdentity(ENROL), 'enrolment client enrol-x1');
    assert.equal(describeIdentity(SERVICE), 'service');
  });
});
