import { Type } from '@sinclair/typebox';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDir, defineErrors, isProphasisError, loadConfig, nodeVersionProblem, ProtocolErrors } from './index.js';

const Schema = Type.Object(
  {
    httpPort: Type.Integer({ minimum: 1, maximum: 65535 }),
    bind: Type.String(),
    tls: Type.Boolean(),
    names: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
const defaults = {
  httpPort: 8080, // TCP port
  bind: '127.0.0.1',
  tls: true,
  names: ['localhost'],
};
const env = { httpPort: 'X_PORT', tls: 'X_TLS', names: 'X_NAMES' } as const;

describe('config loader', () => {
  it('returns the defaults when nothing is set', () => {
    assert.deepEqual(loadConfig({ schema: Schema, defaults, env, environment: {} }), defaults);
  });

  it('layers file, environment and overrides, coercing by schema type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ bind: '0.0.0.0', httpPort: 9000 }));
    const cfg = loadConfig({ schema: Schema, defaults, env, file, environment: { X_PORT: '9100', X_TLS: 'off', X_NAMES: 'a, b' }, overrides: { bind: '::1' } });
    assert.deepEqual(cfg, { httpPort: 9100, bind: '::1', tls: false, names: ['a', 'b'] });
  });

  it('refuses unknown keys, wrong types and out-of-range values by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ httpPrt: 1 }));
    const isConfigError = (re: RegExp) => (err: Error & { code?: string }) => err.code === 'PROTO_INVALID_CONFIG' && re.test(err.message);
    assert.throws(() => loadConfig({ schema: Schema, defaults, file }), isConfigError(/unknown key "httpPrt"/));
    assert.throws(() => loadConfig({ schema: Schema, defaults, env, environment: { X_PORT: 'eighty' } }), isConfigError(/X_PORT="eighty"/));
    assert.throws(() => loadConfig({ schema: Schema, defaults, env, environment: { X_PORT: '70000' } }), isConfigError(/httpPort/));
    assert.throws(() => loadConfig({ schema: Schema, defaults, env, environment: { X_TLS: 'maybe' } }), isConfigError(/X_TLS/));
  });
});

describe('errors', () => {
  it('builds errors with stable codes, status and detail', () => {
    const E = defineErrors('SPEC_CONFIG', { NOPE: { status: 409, message: 'Not allowed' } });
    const err = E.NOPE('because', { id: 1 });
    assert.equal(err.code, 'SPEC_CONFIG_NOPE');
    assert.equal(E.NOPE.code, 'SPEC_CONFIG_NOPE');
    assert.equal(err.status, 409);
    assert.equal(err.message, 'Not allowed: because');
    assert.deepEqual(err.toJSON(), { code: 'SPEC_CONFIG_NOPE', message: 'Not allowed: because', details: { id: 1 } });
    assert.ok(isProphasisError(err, E.NOPE));
    assert.ok(!isProphasisError(err, ProtocolErrors.INVALID_TOPIC));
    assert.ok(!isProphasisError(new Error('x')));
  });
});

describe('data directory and runtime', () => {
  it('honours PROPHASIS_DATA_DIR and creates it owner-only', () => {
    const base = mkdtempSync(join(tmpdir(), 'dd-'));
    const dir = dataDir('core', { PROPHASIS_DATA_DIR: join(base, 'core') });
    assert.equal(dir, join(base, 'core'));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  it('explains in one line why an old Node cannot run Prophasis', () => {
    assert.equal(nodeVersionProblem('24.0.0'), undefined);
    const problem = nodeVersionProblem('20.20.2') ?? '';
    assert.match(problem, /needs Node\.js 24.*v20\.20\.2/);
    assert.ok(!problem.includes('\n'));
  });
});
