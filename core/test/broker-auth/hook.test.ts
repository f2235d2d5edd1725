import { createSecretHasher } from '@prophasis/broker';
import { silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createBrokerAuthHook, createBrokerProvisioning } from '../../src/broker-auth/index.js';
import { createMemoryRegistryStore } from '../../src/enrolment/memory-store.js';
import { createAgentRegistry } from '../../src/enrolment/registry.js';
import { memorySystemLog } from '../../src/kernel/system-log.js';

const FACTS = { hostname: 'h', platform: 'linux', arch: 'x64', agentVersion: '0.1.0', nodeVersion: '24' };
const SECRET = 'the-hook-secret';
const SHA = createHash('sha256').update(SECRET).digest('hex');
const logger = silentLogger();

describe('broker authentication hook (decisions and refusals, through fastify inject)', () => {
  const registry = createAgentRegistry({ store: createMemoryRegistryStore(), hasher: createSecretHasher(randomBytes(32)), logger, systemLog: memorySystemLog() });
  const hook = createBrokerAuthHook({ listen: '127.0.0.1:0', tokenSha256: SHA, coreUsername: 'prophasis-core', corePassword: 'core-pw' }, { authenticator: registry, logger });
  let agent: { id: string; secret: string };
  const ask = async (path: string, q: Record<string, string>, method: 'GET' | 'POST' = 'GET') => {
    const query = new URLSearchParams({ vhost: '/', ...q }).toString();
    const res =
      method === 'GET'
        ? await hook.app.inject({ method, url: `/${SECRET}/rabbitmq/${path}?${query}` })
        : await hook.app.inject({ method, url: `/${SECRET}/rabbitmq/${path}`, payload: query, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    return res.statusCode === 200 ? res.body : `HTTP ${res.statusCode}`;
  };
  const as = (id: string, clientId = id) => ({ username: id, client_id: clientId });
  const topic = (who: Record<string, string>, permission: string, routingKey: string) => ask('topic', { ...who, resource: 'topic', name: 'amq.topic', permission, routing_key: routingKey });

  before(async () => {
    const host = await registry.addHost('h1');
    const { token } = await registry.createEnrolmentToken(host.hostId);
    const r = await registry.consumeToken(token, FACTS);
    assert.ok(r.ok);
    agent = { id: r.agentId, secret: r.secret };
  });
  after(() => hook.stop());

  it('refuses a missing secret hash and a bad listen address, naming the setting', () => {
    assert.throws(() => createBrokerAuthHook({ listen: '127.0.0.1:0', tokenSha256: '', coreUsername: '', corePassword: '' }, { authenticator: registry, logger }), /PROPHASIS_BROKER_AUTH_TOKEN_SHA256/);
    assert.throws(() => createBrokerAuthHook({ listen: 'nowhere', tokenSha256: SHA, coreUsername: '', corePassword: '' }, { authenticator: registry, logger }), /PROPHASIS_BROKER_AUTH_LISTEN "nowhere" is not host:port/);
  });

  it('refuses mosquitto-dynsec provisioning without an external broker or the core\'s user, naming the variables', () => {
    const deps = { logger, systemLog: memorySystemLog(), enrolledAgentIds: async () => new Set<string>() };
    const base = { mqttProvisioning: 'mosquitto-dynsec' as const, mqttUrl: '', mqttCaFile: '', mqttClientId: 'c', mqttUsername: 'u', mqttPassword: 'p' };
    assert.throws(() => createBrokerProvisioning(base, deps), /PROPHASIS_MQTT_URL/);
    assert.throws(() => createBrokerProvisioning({ ...base, mqttUrl: 'mqtts://x:8883', mqttPassword: '' }, deps), /PROPHASIS_MQTT_USERNAME, PROPHASIS_MQTT_PASSWORD/);
    assert.equal(createBrokerProvisioning({ ...base, mqttProvisioning: 'none' }, deps), undefined);
  });

  it('answers 404 without the secret, and deny to a wrong password, a foreign client id or an unverified connection', async () => {
    const res = await hook.app.inject({ method: 'GET', url: `/wrong/rabbitmq/user?username=prophasis-core&password=core-pw` });
    assert.equal(res.statusCode, 404);
    assert.equal(await ask('user', { username: 'prophasis-core', password: 'nope', client_id: 'c' }), 'deny');
    assert.equal(await ask('user', { ...as(agent.id), password: 'nope' }), 'deny');
    assert.equal(await ask('user', { ...as(agent.id, 'someone-else'), password: agent.secret }), 'deny');
    assert.equal(await topic(as(agent.id), 'write', `prophasis.v1.agents.${agent.id}.res`), 'deny', 'not verified yet');
  });

  it('allows an agent exactly its own topics and its own queue (GET and POST alike)', async () => {
    assert.equal(await ask('user', { ...as(agent.id), password: agent.secret }), 'allow');
    assert.equal(await ask('user', { ...as(agent.id), password: agent.secret }, 'POST'), 'allow');
    assert.equal(await ask('vhost', as(agent.id)), 'allow');
    assert.equal(await ask('vhost', { ...as(agent.id), vhost: 'other' }), 'deny');
    assert.equal(await ask('resource', { ...as(agent.id), resource: 'queue', name: `mqtt-subscription-${agent.id}qos1`, permission: 'configure' }), 'allow');
    assert.equal(await ask('resource', { ...as(agent.id), resource: 'queue', name: 'mqtt-subscription-a-otherqos1', permission: 'read' }), 'deny');
    assert.equal(await ask('resource', { ...as(agent.id), resource: 'exchange', name: 'amq.direct', permission: 'write' }), 'deny');
    assert.equal(await topic(as(agent.id), 'read', `prophasis.v1.agents.${agent.id}.cmd`), 'allow');
    assert.equal(await topic(as(agent.id), 'write', `prophasis.v1.agents.${agent.id}.res`), 'allow');
    assert.equal(await topic(as(agent.id), 'write', `prophasis.v1.agents.${agent.id}.state`), 'allow');
    assert.equal(await topic(as(agent.id), 'read', 'prophasis.v1.agents.*.cmd'), 'deny');
    assert.equal(await topic(as(agent.id), 'read', 'prophasis.v1.agents.a-other.cmd'), 'deny');
    assert.equal(await topic(as(agent.id), 'write', 'prophasis.v1.agents.a-other.res'), 'deny');
    assert.equal(await topic(as(agent.id), 'write', `prophasis.v1.agents.${agent.id}.cmd`), 'deny');
  });

  it('allows the core inside prophasis/ only, and denies a revoked agent at once', async () => {
    const core = { username: 'prophasis-core', client_id: 'prophasis-core-p3' };
    assert.equal(await ask('user', { ...core, password: 'core-pw' }), 'allow');
    assert.equal(await topic(core, 'read', 'prophasis.v1.agents.*.res'), 'allow');
    assert.equal(await topic(core, 'write', `prophasis.v1.agents.${agent.id}.cmd`), 'allow');
    assert.equal(await topic(core, 'read', 'other.#'), 'deny');
    hook.revoked(agent.id);
    assert.equal(await topic(as(agent.id), 'write', `prophasis.v1.agents.${agent.id}.res`), 'deny');
  });
});
