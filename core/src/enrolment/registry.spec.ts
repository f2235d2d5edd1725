import { createSecretHasher } from '@prophasis/broker';
import { isValidAgentId, silentLogger } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { memorySystemLog } from '../kernel/index.js';
import { hostAdd, hostAddText, installCommands } from './host-add.js';
import { createMemoryRegistryStore } from './memory-store.js';
import { base32, createAgentRegistry, generateAgentId, hashToken } from './registry.js';

const FACTS = { hostname: 'web-1', platform: 'linux', arch: 'x64', agentVersion: '0.1.0', nodeVersion: '24.11.0' };

function setup() {
  const store = createMemoryRegistryStore();
  const systemLog = memorySystemLog();
  let clock = 1_000_000;
  const registry = createAgentRegistry({
    store,
    hasher: createSecretHasher(randomBytes(32)),
    logger: silentLogger(),
    systemLog,
    now: () => clock,
  });
  return { store, systemLog, registry, advance: (ms: number) => (clock += ms) };
}

async function enrolled() {
  const s = setup();
  const host = await s.registry.addHost('web-1');
  const { token } = await s.registry.createEnrolmentToken(host.hostId);
  const result = await s.registry.consumeToken(token, FACTS);
  assert.ok(result.ok);
  return { ...s, host, token, agentId: result.agentId, secret: result.secret };
}

describe('enrolment registry', () => {
  it('generates topic-safe agent ids (a- + base32) and encodes base32 per RFC 4648', () => {
    assert.equal(base32(Buffer.from('foobar')), 'mzxw6ytboi');
    const ids = new Set(Array.from({ length: 200 }, generateAgentId));
    assert.equal(ids.size, 200);
    for (const id of ids) {
      assert.match(id, /^a-[a-z2-7]{24}$/);
      assert.ok(isValidAgentId(id));
    }
  });

  it('stores only hashes: the token as SHA-256, the secret as a keyed salted hash', async () => {
    const { store, token, agentId, secret } = await enrolled();
    assert.deepEqual([...store.tokens.keys()], [hashToken(token)]);
    const host = [...store.hosts.values()][0]!;
    assert.equal(host.agentId, agentId);
    assert.equal(host.enrolmentState, 'enrolled');
    assert.match(host.secretHash!, /^v1\$[\w-]+\$[\w-]+$/);
    assert.ok(!JSON.stringify([...store.hosts.values(), ...store.tokens.values()]).includes(secret));
    assert.equal(Buffer.from(token, 'base64url').length, 32);
  });

  it('accepts the issued secret and refuses a wrong secret, an unknown agent and a malformed username', async () => {
    const { registry, agentId, secret, systemLog } = await enrolled();
    const ok = await registry.authenticate({ clientId: agentId, username: agentId, password: Buffer.from(secret) });
    assert.deepEqual(ok, { ok: true, identity: { role: 'agent', agentId } });
    const wrong = await registry.authenticate({ clientId: agentId, username: agentId, password: Buffer.from(secret + 'x') });
    assert.equal(wrong.ok === false && wrong.reason, 'bad_credentials');
    const none = await registry.authenticate({ clientId: agentId, username: agentId });
    assert.equal(none.ok === false && none.reason, 'bad_credentials');
    const unknown = await registry.authenticate({ clientId: 'a-unknown', username: 'a-unknown', password: Buffer.from(secret) });
    assert.equal(unknown.ok === false && unknown.reason, 'bad_credentials');
    const malformed = await registry.authenticate({ clientId: 'x', username: 'a/#', password: Buffer.from(secret) });
    assert.equal(malformed.ok === false && malformed.reason, 'bad_credentials');
    assert.ok(systemLog.entries.some((e) => e.message.includes('wrong secret') && e.context.agentId === agentId));
    assert.ok(systemLog.entries.some((e) => e.message.includes('unknown agent')));
    // still healthy: the right secret still works after the refusals
    assert.ok((await registry.authenticate({ clientId: agentId, username: agentId, password: Buffer.from(secret) })).ok);
  });

  it('refuses a reused token and keeps the first enrolment', async () => {
    const { registry, token, agentId, secret } = await enrolled();
    const again = await registry.consumeToken(token, FACTS);
    assert.deepEqual(again, { ok: false, reason: 'token_used', message: 'the enrolment token was already used' });
    assert.ok((await registry.authenticate({ clientId: agentId, username: agentId, password: Buffer.from(secret) })).ok);
  });

  it('refuses an expired token and an unknown one', async () => {
    const s = setup();
    const host = await s.registry.addHost('db-1');
    const { token, expiresAt } = await s.registry.createEnrolmentToken(host.hostId, 60_000);
    assert.equal(expiresAt.getTime(), 1_000_000 + 60_000);
    s.advance(60_000);
    const expired = await s.registry.consumeToken(token, FACTS);
    assert.equal(expired.ok === false && expired.reason, 'token_expired');
    const forged = await s.registry.consumeToken(randomBytes(32).toString('base64url'), FACTS);
    assert.equal(forged.ok === false && forged.reason, 'unknown_token');
    assert.equal(s.systemLog.entries.filter((e) => e.message.startsWith('enrolment refused')).length, 2);
  });

  it('lets exactly one of many concurrent requests redeem a token', async () => {
    const s = setup();
    const host = await s.registry.addHost('race');
    const { token } = await s.registry.createEnrolmentToken(host.hostId);
    const results = await Promise.all(Array.from({ length: 25 }, () => s.registry.consumeToken(token, FACTS)));
    assert.equal(results.filter((r) => r.ok).length, 1);
    assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'token_used'));
  });

  it('refuses a second token of an already enrolled host', async () => {
    const s = setup();
    const host = await s.registry.addHost('twice');
    const a = await s.registry.createEnrolmentToken(host.hostId);
    const b = await s.registry.createEnrolmentToken(host.hostId);
    assert.ok((await s.registry.consumeToken(a.token, FACTS)).ok);
    const second = await s.registry.consumeToken(b.token, FACTS);
    assert.equal(second.ok === false && second.reason, 'host_enrolled');
    await assert.rejects(s.registry.addHost('twice'), { code: 'CORE_ENROL_HOST_ENROLLED' });
  });

  it('refuses invalid host names and token lifetimes', async () => {
    const s = setup();
    await assert.rejects(s.registry.addHost('bad name'), { code: 'CORE_ENROL_INVALID_HOST_NAME' });
    await assert.rejects(s.registry.addHost(''), { code: 'CORE_ENROL_INVALID_HOST_NAME' });
    const host = await s.registry.addHost('ok');
    await assert.rejects(s.registry.createEnrolmentToken(host.hostId, 10), { code: 'CORE_ENROL_INVALID_TTL' });
    await assert.rejects(s.registry.createEnrolmentToken('999'), { code: 'CORE_ENROL_HOST_NOT_FOUND' });
  });

  it('revokes: the cached credentials stop working at once', async () => {
    const { registry, agentId, secret, systemLog } = await enrolled();
    assert.ok((await registry.authenticate({ clientId: agentId, username: agentId, password: Buffer.from(secret) })).ok);
    assert.equal(await registry.revoke(agentId), true);
    const after = await registry.authenticate({ clientId: agentId, username: agentId, password: Buffer.from(secret) });
    assert.equal(after.ok === false && after.reason, 'not_authorized');
    assert.equal(await registry.revoke(agentId), false);
    assert.ok(systemLog.entries.some((e) => e.message === 'agent revoked'));
    // a revoked host can be enrolled again, under a new agent id
    const host = await registry.addHost('web-1');
    assert.equal(host.state, 'revoked');
    const { token } = await registry.createEnrolmentToken(host.hostId);
    const again = await registry.consumeToken(token, FACTS);
    assert.ok(again.ok && again.agentId !== agentId);
  });

  it('answers reconnecting agents from its cache, without a store query each time', async () => {
    const s = await enrolled();
    let queries = 0;
    const findAgent = s.store.findAgent.bind(s.store);
    s.store.findAgent = async (id) => {
      queries++;
      return findAgent(id);
    };
    const registry = createAgentRegistry({ store: s.store, hasher: createSecretHasher(randomBytes(32)), logger: silentLogger(), systemLog: memorySystemLog() });
    // another hasher: the stored hash no longer verifies, but the point here is the query count
    await Promise.all(Array.from({ length: 50 }, () => registry.authenticate({ clientId: s.agentId, username: s.agentId, password: Buffer.from('x') })));
    assert.equal(queries, 1);
    for (let i = 0; i < 50; i++) await s.registry.authenticate({ clientId: s.agentId, username: s.agentId, password: Buffer.from(s.secret) });
    assert.equal(queries, 1, 'the enrolling registry cached the agent at enrolment');
    await registry.authenticate({ clientId: 'a-nobody', username: 'a-nobody', password: Buffer.from('x') });
    await registry.authenticate({ clientId: 'a-nobody', username: 'a-nobody', password: Buffer.from('x') });
    assert.equal(queries, 2, 'unknown agents are remembered for a while');
    const fresh = createAgentRegistry({ store: s.store, hasher: createSecretHasher(randomBytes(32)), logger: silentLogger(), systemLog: memorySystemLog() });
    assert.equal(await fresh.warm(), 1);
    await fresh.authenticate({ clientId: s.agentId, username: s.agentId, password: Buffer.from('x') });
    assert.equal(queries, 2, 'warm() preloads every agent');
  });

  it('admits enrolling clients with a known token only, and never a $service client', async () => {
    const { registry, token } = await enrolled();
    const used = await registry.authenticate({ clientId: 'enrol-abc', username: '$enrol', password: Buffer.from(token) });
    assert.deepEqual(used, { ok: true, identity: { role: 'enrolment', clientId: 'enrol-abc' } }, 'a used token connects to learn why it is refused');
    const forged = await registry.authenticate({ clientId: 'enrol-abc', username: '$enrol', password: randomBytes(32) });
    assert.equal(forged.ok === false && forged.reason, 'not_authorized');
    const badId = await registry.authenticate({ clientId: 'agent-abc', username: '$enrol', password: Buffer.from(token) });
    assert.equal(badId.ok === false && badId.reason, 'identifier_rejected');
    const service = await registry.authenticate({ clientId: 'core', username: '$service', password: Buffer.from('anything') });
    assert.equal(service.ok === false && service.reason, 'not_authorized');
  });

  it('hostAdd issues the token with the enrol command; installCommands makes the one install line of it', async () => {
    const s = setup();
    const fingerprint = 'ab'.repeat(32);
    const sums = 'cd'.repeat(32);
    const out = await hostAdd({ registry: s.registry, caFingerprint: fingerprint, httpPort: 8080, mqttPort: 8883 }, { name: 'mail-1', server: 'core.example' });
    assert.equal(out.enrolCommand, `prophasis-agent enroll --server core.example:8883 --token ${out.token} --ca-fingerprint ${fingerprint}`);
    const commands = installCommands({ caFingerprint: fingerprint, httpPort: 8080, mqttPort: 8883, packagesSha256: sums }, { server: 'core.example', token: out.token });
    const options = `--server core.example:8883 --ca-fingerprint ${fingerprint} --token ${out.token} --sha256 ${sums}`;
    assert.equal(commands.installCommand, `curl -fsSL http://core.example:8080/install.sh | sudo sh -s -- --url http://core.example:8080 ${options}`);
    assert.equal(commands.offlineCommand, `sudo sh install.sh --package prophasis-agent-linux-x64.tar.gz ${options}`);
    const text = hostAddText(out, commands);
    assert.ok(text.includes(commands.installCommand) && text.includes(commands.offlineCommand) && text.includes('http://core.example:8080/downloads/'), text);
    const v6 = installCommands({ caFingerprint: fingerprint, httpPort: 8080, mqttPort: 8883, packagesSha256: sums }, { server: '::1', token: 't' });
    assert.match(v6.installCommand, /^curl -fsSL http:\/\/\[::1\]:8080\/install\.sh \| sudo sh -s -- --url http:\/\/\[::1\]:8080 --server \[::1\]:8883 /);
    const again = await hostAdd({ registry: s.registry, caFingerprint: fingerprint, httpPort: 8080, mqttPort: 8883 }, { name: 'mail-1', server: '::1' });
    assert.equal(again.hostId, out.hostId, 'a pending host is reused');
    assert.notEqual(again.token, out.token);
    assert.ok(again.enrolCommand.includes('--server [::1]:8883'));
  });
});
