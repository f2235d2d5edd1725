import { resTopic } from '@prophasis/protocol';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSecret, issueCredential, SERVICE_USERNAME, type Pki } from '../src/index.js';
import { connectClient, endAll, refusedCode, subscribeGranted, waitFor } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/prophasis-broker.mjs', import.meta.url));

describe('standalone broker (prophasis-broker start, real process)', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let output = '';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-standalone-'));
    output = '';
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    child = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function startProcess(): Promise<{ port: number; pki: Pick<Pki, 'caCertPem'> }> {
    child = spawn(process.execPath, [BIN, 'start'], {
      env: { ...process.env, PROPHASIS_DATA_DIR: dir, PROPHASIS_MQTT_PORT: '0', PROPHASIS_MQTT_HOST: '127.0.0.1', PROPHASIS_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => /running on port \d+/.test(output) || child!.exitCode !== null, 'the broker to start', 15000);
    const port = Number(/running on port (\d+)/.exec(output)?.[1]);
    assert.ok(port > 0, output);
    const caCertPem = await readFile(join(dir, 'pki', 'ca.crt'), 'utf8');
    return { port, pki: { caCertPem } };
  }

  it('serves agents and the service from credentials.json, reloads it, refuses the rest, stops on SIGTERM', async () => {
    const serviceSecret = await issueCredential(dir, SERVICE_USERNAME);
    const agentSecret = await issueCredential(dir, 'agent-1');
    assert.equal((await stat(join(dir, 'credentials.json'))).mode & 0o777, 0o600);
    assert.doesNotMatch(await readFile(join(dir, 'credentials.json'), 'utf8'), new RegExp(agentSecret));
    const tb = await startProcess();
    assert.match(output, /CA fingerprint: +[0-9a-f]{64}/);

    const service = await connectClient(tb, { clientId: 'core', username: SERVICE_USERNAME, password: serviceSecret, clean: true });
    assert.deepEqual(await subscribeGranted(service, ['prophasis/v1/agents/+/res', '#']), [1, 128]);
    const got = new Promise<string>((resolve) => service.once('message', (_t, p) => resolve(p.toString())));
    const agent = await connectClient(tb, { clientId: 'agent-1', username: 'agent-1', password: agentSecret, clean: false });
    await agent.publishAsync(resTopic('agent-1'), 'r1', { qos: 1 });
    assert.equal(await got, 'r1');

    assert.equal(await refusedCode(tb, { clientId: 'agent-1', username: 'agent-1', password: generateSecret() }), 4);
    assert.equal(await refusedCode(tb, { clientId: 'enrol-x', username: '$enrol', password: 'token' }), 5);

    // A credential added while running is picked up without a restart.
    const lateSecret = await issueCredential(dir, 'agent-2');
    let late: Awaited<ReturnType<typeof connectClient>> | undefined;
    const deadline = Date.now() + 5000;
    while (!late && Date.now() < deadline) {
      late = await connectClient(tb, { clientId: 'agent-2', username: 'agent-2', password: lateSecret }).catch(() => undefined);
      if (!late) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(late, 'agent-2 connects after the reload');
    await endAll(agent, service, late);

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child!.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
