import assert from 'node:assert/strict';
import {
  agentIdProblem,
  agentTopic,
  ALL_ENROL_REQUEST_TOPIC,
  ALL_RES_TOPIC,
  cmdTopic,
  enrolRequestTopic,
  enrolResponseTopic,
  parseAgentTopic,
  parseEnrolTopic,
  requireAgentTopic,
  resTopic,
  stateTopic,
} from './index.js';

describe('topics', () => {
  it('builds the three topics of an agent', () => {
    assert.equal(cmdTopic('web-1'), 'prophasis/v1/agents/web-1/cmd');
    assert.equal(resTopic('web-1'), 'prophasis/v1/agents/web-1/res');
    assert.equal(stateTopic('web-1'), 'prophasis/v1/agents/web-1/state');
    assert.equal(ALL_RES_TOPIC, 'prophasis/v1/agents/+/res');
  });

  it('parses what it builds', () => {
    for (const channel of ['cmd', 'res', 'state'] as const) {
      assert.deepEqual(parseAgentTopic(agentTopic('a_1.b-2', channel)), { agentId: 'a_1.b-2', channel });
    }
  });

  const badIds: [string, RegExp][] = [
    ['a/b', /'\/'/],
    ['a+b', /'\+'/],
    ['a#', /'#'/],
    ['tab\there', /control/],
    ['nul\u0000', /control/],
    ['del\u007f', /control/],
    ['', /empty/],
    ['x'.repeat(65), /at most 64/],
    ['-leading', /letters, digits/],
    ['spa ce', /letters, digits/],
    ['ünï', /letters, digits/],
  ];
  for (const [id, reason] of badIds) {
    it(`rejects agent id ${JSON.stringify(id)}`, () => {
      assert.match(agentIdProblem(id) ?? '', reason);
      assert.throws(() => cmdTopic(id), (err: Error & { code?: string }) => err.code === 'PROTO_INVALID_AGENT_ID');
    });
  }

  it('does not parse wildcards, other roots, extra levels or unknown channels', () => {
    for (const topic of [
      'prophasis/v1/agents/+/res',
      'prophasis/v1/agents/#',
      'prophasis/v2/agents/a/res',
      'prophasis/v1/agents/a/res/extra',
      'prophasis/v1/agents/a/log',
      '$SYS/broker/clients',
      'prophasis/v1/agents//res',
    ]) {
      assert.equal(parseAgentTopic(topic), undefined, topic);
    }
    assert.throws(() => requireAgentTopic('x/y'), (err: Error & { code?: string }) => err.code === 'PROTO_INVALID_TOPIC');
  });

  it('builds and parses the enrolment topics', () => {
    assert.equal(enrolRequestTopic('enrol-x1'), 'prophasis/v1/enrol/enrol-x1/req');
    assert.equal(enrolResponseTopic('enrol-x1'), 'prophasis/v1/enrol/enrol-x1/resp');
    assert.equal(ALL_ENROL_REQUEST_TOPIC, 'prophasis/v1/enrol/+/req');
    assert.deepEqual(parseEnrolTopic('prophasis/v1/enrol/enrol-x1/req'), { clientId: 'enrol-x1', direction: 'req' });
    assert.equal(parseEnrolTopic('prophasis/v1/enrol/+/req'), undefined);
    assert.equal(parseEnrolTopic('prophasis/v1/enrol/a/other'), undefined);
    assert.throws(() => enrolRequestTopic('a/b'), (err: Error & { code?: string }) => err.code === 'PROTO_INVALID_AGENT_ID');
  });
});
