import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMessage, decodeMessage, encodeMessage, MAX_RES_BYTES, MESSAGE_TYPES, messageSchema, type MessageChannel } from './index.js';

const dir = fileURLToPath(new URL('../test/fixtures/messages/', import.meta.url));
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
const load = (f: string) => JSON.parse(readFileSync(dir + f, 'utf8')) as {
  channel: MessageChannel;
  payload: unknown;
  expectedError?: { code: string; match: string };
};

describe('messages', () => {
  it('has a good and a bad fixture for every message type', () => {
    for (const type of Object.keys(MESSAGE_TYPES)) {
      assert.ok(fixtures.includes(`${type}.good.json`), `${type}.good.json missing`);
      assert.ok(fixtures.includes(`${type}.bad.json`), `${type}.bad.json missing`);
    }
  });

  for (const file of fixtures.filter((f) => f.endsWith('.good.json'))) {
    it(`accepts ${file}`, () => {
      const { channel, payload } = load(file);
      const decoded = decodeMessage(JSON.stringify(payload), channel);
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
      assert.deepEqual(decoded.message, payload);
      // and the same envelope survives encode → decode
      const again = decodeMessage(encodeMessage(decoded.message), channel);
      assert.ok(again.ok);
    });
  }

  for (const file of fixtures.filter((f) => f.endsWith('.bad.json'))) {
    it(`refuses ${file} with its expected error`, () => {
      const { channel, payload, expectedError } = load(file);
      assert.ok(expectedError, `${file} must name the error it expects`);
      const decoded = decodeMessage(Buffer.from(JSON.stringify(payload)), channel);
      assert.equal(decoded.ok, false);
      if (decoded.ok) return;
      assert.equal(decoded.error.code, expectedError.code, decoded.error.message);
      assert.ok(decoded.error.message.includes(expectedError.match), `"${decoded.error.message}" should mention "${expectedError.match}"`);
    });
  }

  it('refuses bytes that are not JSON without throwing', () => {
    const decoded = decodeMessage(Buffer.from([0xff, 0x00, 0x7b]), 'res');
    assert.equal(decoded.ok, false);
    if (!decoded.ok) assert.equal(decoded.error.code, 'PROTO_MALFORMED_JSON');
  });

  it('refuses a payload over the channel limit before parsing it', () => {
    const decoded = decodeMessage('x'.repeat(MAX_RES_BYTES + 1), 'res');
    assert.equal(decoded.ok, false);
    if (!decoded.ok) assert.equal(decoded.error.code, 'PROTO_MESSAGE_TOO_LARGE');
  });

  it('refuses JSON that is not an object', () => {
    for (const text of ['null', '42', '"state"', '[]']) {
      const decoded = decodeMessage(text, 'state');
      assert.equal(decoded.ok, false, text);
      if (!decoded.ok) assert.equal(decoded.error.code, 'PROTO_INVALID_MESSAGE');
    }
  });

  it('createMessage validates the body and fills id and ts', () => {
    const msg = createMessage('state', { status: 'offline' });
    assert.equal(msg.v, 1);
    assert.match(msg.id, /^[0-9a-f-]{36}$/);
    assert.ok(Math.abs(msg.ts - Date.now()) < 5_000);
    assert.throws(
      // @ts-expect-error deliberately wrong body
      () => createMessage('state', { status: 'asleep' }),
      (err: Error & { code?: string }) => err.code === 'PROTO_INVALID_MESSAGE' && /status/.test(err.message),
    );
  });

  it('exposes each envelope as JSON Schema for OpenAPI', () => {
    const schema = JSON.parse(JSON.stringify(messageSchema('plan.set'))) as Record<string, unknown>;
    assert.equal(schema.type, 'object');
    assert.deepEqual((schema.properties as Record<string, { const?: string }>).type, { const: 'plan.set', type: 'string' });
    assert.ok((schema.required as string[]).includes('body'));
  });
});

describe('messages: device targets (docs/devices.md)', () => {
  const entry = {
    key: '5:io.prophasis.ping@7',
    checkId: '5',
    pluginId: 'io.prophasis.ping',
    version: '1.0.0',
    sha256: 'a'.repeat(64),
    params: {},
    intervals: [{ start: 0, everyMs: 60_000 }],
    capabilities: ['icmp.echo:$target'],
  };
  // Built from a valid envelope and then changed, since createMessage itself refuses a bad body.
  const plan = (e: Record<string, unknown>) => {
    const raw = JSON.parse(JSON.stringify(createMessage('plan.set', { revision: 1, maxLatenessMs: 0, entries: [entry] }))) as { body: { entries: unknown[] } };
    raw.body.entries = [e];
    return JSON.stringify(raw);
  };
  const result = (extra: Record<string, unknown>) => {
    const r = { id: 'r-1', checkId: '5', pluginId: 'io.prophasis.ping', version: '1.0.0', slot: 0, measuredAt: 1, durationMs: 1, value: 1, message: null, resultType: 'plugin' as const };
    const raw = JSON.parse(JSON.stringify(createMessage('result', { results: [r] }))) as { body: { results: unknown[] } };
    raw.body.results = [{ ...r, ...extra }];
    return JSON.stringify(raw);
  };

  it('carries a plan entry’s target and a result’s targetHostId', () => {
    const decoded = decodeMessage(plan({ ...entry, target: { hostId: 7, address: '192.0.2.7', name: 'ups-1' } }), 'cmd');
    assert.ok(decoded.ok && decoded.message.type === 'plan.set');
    assert.deepEqual(decoded.message.body.entries[0]!.target, { hostId: 7, address: '192.0.2.7', name: 'ups-1' });
    assert.ok(decodeMessage(result({ targetHostId: 7 }), 'res').ok);
  });

  it('refuses a target without an address, with unknown fields, and a targetHostId that is no id', () => {
    assert.equal(decodeMessage(plan({ ...entry, target: { hostId: 7, address: '', name: 'ups-1' } }), 'cmd').ok, false);
    assert.equal(decodeMessage(plan({ ...entry, target: { hostId: 7, address: '192.0.2.7', name: 'ups-1', port: 161 } }), 'cmd').ok, false);
    assert.equal(decodeMessage(result({ targetHostId: 0 }), 'res').ok, false);
    assert.equal(decodeMessage(result({ targetHostId: '7' }), 'res').ok, false);
  });
});
