import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRuntimeFacts } from '../../src/kernel/index.js';

const BIN = fileURLToPath(new URL('../../bin/prophasis.mjs', import.meta.url));

function run(args: string[], dataDir: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PROPHASIS_DATA_DIR: dataDir, DATABASE_URL: '', ...env }, stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end();
  });
}

const SITE = `version: 1
settings:
  retentionRawDays: 10
  smtp: { host: mail.example }
  smtpPassword: \${secret:SMTP}
hostGroups:
  - name: web
hosts:
  - name: web1
    groups: [web]
    tags: [prod]
  - name: web2
    groups: [web]
checks:
  - name: nothing yet
    groups: [web]
schedules:
  - name: hourly
    checks: [nothing yet]
    intervals: [{ start: 0, everyMs: 3600000 }]
`;

/** `npx prophasis config export|apply` on a core's database, before its first start (no core runs). */
describe('prophasis config export|apply (issue #20)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'prophasis-cac-cli-'));
    writeFileSync(join(dir, 'site.yaml'), SITE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the dry run, applies, says when nothing is left to change, and exports what it applied', async () => {
    const env = { PROPHASIS_SECRET_SMTP: 'pw-from-env' };
    const dry = await run(['config', 'apply', join(dir, 'site.yaml'), '--dry-run'], dir, env);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /^\+ create hosts web1$/m);
    assert.match(dry.out, /^~ update settings settings \(retentionRawDays, smtp, smtpPassword\)$/m);
    assert.match(dry.out, /Would change: 5 to create, 1 to update, 0 to delete \(dry run: nothing was written\)\./);
    const empty = await run(['config', 'export'], dir);
    assert.equal(empty.code, 0, empty.err);
    assert.match(empty.out, /^hosts: \[\]$/m, 'the dry run wrote nothing');

    const applied = await run(['config', 'apply', join(dir, 'site.yaml')], dir, env);
    assert.equal(applied.code, 0, applied.err);
    assert.match(applied.out, /Applied: 5 to create, 1 to update, 0 to delete\./);
    const again = await run(['config', 'apply', join(dir, 'site.yaml')], dir, env);
    assert.match(again.out, /No changes: this core already has this configuration\./);

    const out = join(dir, 'export.yaml');
    const exported = await run(['config', 'export', '--out', out], dir);
    assert.equal(exported.code, 0, exported.err);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /smtpPassword: \$\{secret:SMTP_PASSWORD\}/);
    assert.ok(!text.includes('pw-from-env'));
    assert.match(text, /- name: web1\n {4}description: ""\n {4}groups:\n {6}- web\n {4}tags:\n {6}- prod\n/);
    // The export applies to the same core as a no-op (its secret reference keeps the stored password).
    const roundTrip = await run(['config', 'apply', out], dir);
    assert.match(roundTrip.out, /No changes/);
    assert.match(roundTrip.out, /note: settings\.smtpPassword: PROPHASIS_SECRET_SMTP_PASSWORD is not set; the value this core has is kept/);
  });

  it('says that a running core follows a change made from the command line only after a restart', async () => {
    // runtime.json as a running core writes it (this test process stands in for the core: its pid is alive).
    await writeRuntimeFacts(dir, {
      v: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      baseUrl: 'http://localhost:8080',
      publicUrl: '',
      http: { port: 8080, host: '127.0.0.1', certificate: 'none', publicKeyPin: '' },
      mqtt: { port: 8883, host: '0.0.0.0', externalUrl: '', caFingerprint: '', server: 'localhost' },
      database: `sqlite:${join(dir, 'core.sqlite')}`,
    });
    writeFileSync(join(dir, 'more.yaml'), 'version: 1\nhosts:\n  - name: web3\n');
    const dry = await run(['config', 'apply', join(dir, 'more.yaml'), '--dry-run'], dir);
    assert.doesNotMatch(dry.out, /follows these changes after a restart/, 'a dry run changes nothing to follow');
    const applied = await run(['config', 'apply', join(dir, 'more.yaml')], dir);
    assert.equal(applied.code, 0, applied.err);
    assert.match(applied.out, new RegExp(`The core running at http://localhost:8080 \\(pid ${process.pid}\\) follows these changes after a restart`));
    rmSync(join(dir, 'runtime.json'));
  });

  it('refuses a bad file with its place, exit code 1, and a wrong command line with the usage', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nhosts:\n  - name: x\n    colour: red\n');
    const bad = await run(['config', 'apply', join(dir, 'bad.yaml')], dir);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /CORE_CONFIG_INVALID: The configuration file is invalid: hosts\[0\]\.colour: unknown field/);
    const usage = await run(['config', 'apply'], dir);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /Usage: prophasis config export/);
  });
});
