import assert from 'node:assert/strict';
import { isProphasisError } from '@prophasis/protocol';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertErrors, createCommandModule } from '../../src/alerting/index.js';
import { notice } from './support.js';

describe('alerting: command module', function () {
  let dir: string;
  let script: string;
  const m = createCommandModule();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prophasis-al-cmd-'));
    script = join(dir, 'record.sh');
    // Writes its environment, stdin and arguments next to the path given as first argument.
    await writeFile(script, '#!/bin/sh\nenv > "$1.env"\ncat > "$1.json"\nprintf "%s\\n" "$@" > "$1.args"\n');
    await chmod(script, 0o755);
    await writeFile(join(dir, 'fail.sh'), '#!/bin/sh\necho "pager service down" >&2\nexit 3\n');
    await chmod(join(dir, 'fail.sh'), 0o755);
    await writeFile(join(dir, 'slow.sh'), '#!/bin/sh\nexec sleep 30\n');
    await chmod(join(dir, 'slow.sh'), 0o755);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const env = async (out: string) =>
    new Map(
      (await readFile(`${out}.env`, 'utf8'))
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]),
    );

  it('renders its arguments as templates, values as they are and each one argument; one that does not render is refused naming it', async () => {
    const out = join(dir, 'args');
    const n = notice({ result: { value: 1, unit: null, message: 'a b; rm -rf / `x`', measuredAt: 0, receivedAt: 0 } });
    await m.send(n, m.validate({ path: script, args: [out, '--host={{host}}', '{{to}}', '{{result.message}}', '{{#plugin}}{{plugin.pluginId}}{{/plugin}}'] }));
    assert.deepEqual((await readFile(`${out}.args`, 'utf8')).trimEnd().split('\n'), [out, '--host=web1', 'major', 'a b; rm -rf / `x`', 'io.prophasis.cpu-load']);
    for (const [args, field, reason] of [
      [['{{#host}}'], 'settings.args.0', /Unclosed section "host"/],
      [['ok', '{{hots}}'], 'settings.args.1', /unknown variable "hots"/],
      [['a', '{{> p}}'], 'settings.args.1', /partials/],
      ['a {{host b}}', 'settings.args.1', /Unclosed tag/],
    ] as const) {
      assert.throws(
        () => m.validate({ path: script, args }),
        (err: unknown) => isProphasisError(err, AlertErrors.INVALID_SETTINGS) && (err.details as { field: string }).field === field && reason.test(err.message),
      );
    }
  });

  it('passes the rendered texts and the action links in the environment and on stdin', async () => {
    const out = join(dir, 'links');
    const actions = { acknowledge: 'https://mon.example.com/act/a', mute1h: 'https://mon.example.com/act/b', muteUntilOk: 'https://mon.example.com/act/c' };
    await m.send(notice(), m.validate({ path: script, args: [out] }), { subject: 'Edited subject', text: 'Edited\ntext', html: null, actions });
    const vars = await env(out);
    assert.equal(vars.get('PROPHASIS_ALERT_SUBJECT'), 'Edited subject');
    assert.equal(vars.get('PROPHASIS_ALERT_ACKNOWLEDGE_URL'), actions.acknowledge);
    assert.equal(vars.get('PROPHASIS_ALERT_MUTE_1H_URL'), actions.mute1h);
    assert.equal(vars.get('PROPHASIS_ALERT_MUTE_UNTIL_OK_URL'), actions.muteUntilOk);
    const json = JSON.parse(await readFile(`${out}.json`, 'utf8')) as Record<string, unknown>;
    assert.deepEqual([json.subject, json.text, json.actions], ['Edited subject', 'Edited\ntext', actions]);
    // Without links the variables are empty.
    await m.send(notice(), m.validate({ path: script, args: [out] }));
    assert.equal((await env(out)).get('PROPHASIS_ALERT_ACKNOWLEDGE_URL'), '');
  });

  it('runs the executable with the alert in PROPHASIS_ALERT_* and as JSON on stdin, without a shell or the core’s environment', async () => {
    process.env.PROPHASIS_TEST_SECRET = 'do-not-leak';
    try {
      const out = join(dir, 'run1');
      await m.send(notice({ late: true }), m.validate({ path: script, args: [out, 'two words', '$HOME;`id`'] }));
      const vars = await env(out);
      assert.equal(vars.get('PROPHASIS_ALERT_NAME'), 'Web down');
      assert.equal(vars.get('PROPHASIS_ALERT_HOST'), 'web1');
      assert.equal(vars.get('PROPHASIS_ALERT_TARGET_KIND'), 'host');
      assert.equal(vars.get('PROPHASIS_ALERT_PLUGIN'), 'io.prophasis.cpu-load');
      assert.equal(vars.get('PROPHASIS_ALERT_FROM'), 'ok');
      assert.equal(vars.get('PROPHASIS_ALERT_TO'), 'major');
      assert.equal(vars.get('PROPHASIS_ALERT_AT'), '2025-01-02T03:04:05.000Z');
      assert.equal(vars.get('PROPHASIS_ALERT_LATE'), '1');
      assert.equal(vars.get('PROPHASIS_ALERT_SUBJECT'), 'LATE web1 cpu-load: ok → major');
      assert.equal(vars.has('PROPHASIS_TEST_SECRET'), false, 'the core’s environment is not passed on');
      const json = JSON.parse(await readFile(`${out}.json`, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(json.target, { kind: 'host', id: 7, name: 'web1' });
      assert.equal(json.late, true);
      assert.match(json.text as string, /LATE: this change happened at/);
      // Arguments arrive verbatim: no word splitting or expansion by a shell.
      assert.deepEqual((await readFile(`${out}.args`, 'utf8')).trimEnd().split('\n'), [out, 'two words', '$HOME;`id`']);
    } finally {
      delete process.env.PROPHASIS_TEST_SECRET;
    }
  });

  it('accepts arguments as one string split at white space', async () => {
    const out = join(dir, 'run2');
    const settings = m.validate({ path: script, args: `${out}  a b` });
    assert.deepEqual(settings.args, [out, 'a', 'b']);
    await m.send(notice({ target: { kind: 'service', id: 4, name: 'Website' }, plugin: null, to: 'critical' }), settings);
    const vars = await env(out);
    assert.equal(vars.get('PROPHASIS_ALERT_SERVICE'), 'Website');
    assert.equal(vars.get('PROPHASIS_ALERT_HOST'), '');
    assert.equal(vars.get('PROPHASIS_ALERT_LATE'), '0');
  });

  it('a non-zero exit is a failure with the end of stderr', async () => {
    await assert.rejects(m.send(notice(), m.validate({ path: join(dir, 'fail.sh') })), (err: unknown) => {
      assert.ok(isProphasisError(err, AlertErrors.DELIVERY_FAILED));
      assert.match(err.message, /fail\.sh exited with code 3: pager service down$/);
      return true;
    });
  });

  it('a missing executable is a failure naming the reason', async () => {
    await assert.rejects(m.send(notice(), m.validate({ path: join(dir, 'missing') })), /cannot run .*missing: ENOENT/);
  });

  it('kills the program after its timeout', async () => {
    const started = Date.now();
    await assert.rejects(m.send(notice(), m.validate({ path: join(dir, 'slow.sh'), timeoutSeconds: 1 })), /timed out after 1 s/);
    assert.ok(Date.now() - started < 5000);
  });

  it('the Test action runs it with PROPHASIS_ALERT_TEST=1', async () => {
    const out = join(dir, 'run3');
    await m.test(m.validate({ path: script, args: [out] }));
    assert.equal((await env(out)).get('PROPHASIS_ALERT_TEST'), '1');
  });

  const refusals: [string, unknown, string][] = [
    ['no path', {}, 'settings.path'],
    ['a relative path', { path: 'bin/page' }, 'settings.path'],
    ['a NUL in an argument', { path: '/bin/true', args: ['a', 'b\0c'] }, 'settings.args.1'],
    ['a timeout too long', { path: '/bin/true', timeoutSeconds: 301 }, 'settings.timeoutSeconds'],
    ['an unknown field', { path: '/bin/true', shell: true }, 'settings.shell'],
  ];
  for (const [what, settings, field] of refusals) {
    it(`refuses ${what}, naming ${field}, and still works afterwards`, async () => {
      assert.throws(() => m.validate(settings), (err: unknown) => isProphasisError(err, AlertErrors.INVALID_SETTINGS) && (err.details as { field: string }).field === field);
      const out = join(dir, `ok-${field}`);
      await m.send(notice(), m.validate({ path: script, args: [out] }));
      assert.equal((await env(out)).get('PROPHASIS_ALERT_TO'), 'major');
    });
  }
});
