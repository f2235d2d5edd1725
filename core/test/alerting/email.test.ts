import assert from 'node:assert/strict';
import { isProphasisError } from '@prophasis/protocol';
import { AlertErrors, createEmailModule, type SmtpSettings } from '../../src/alerting/index.js';
import { startFakeSmtp } from './smtp-server.js';
import { notice, parseMail } from './support.js';

describe('alerting: email module', function () {
  let smtp: Awaited<ReturnType<typeof startFakeSmtp>>;
  let server: SmtpSettings;
  const module = () => createEmailModule({ smtp: { read: async () => server }, timeoutMs: 5000 });

  beforeEach(async () => {
    smtp = await startFakeSmtp();
    server = { host: '127.0.0.1', port: smtp.port, secure: false, user: '', password: '', from: 'prophasis@example.test' };
  });
  afterEach(async () => smtp.close());

  it('delivers to a local SMTP server; subject and body name host, plugin, from → to and the time', async () => {
    const m = module();
    const settings = m.validate({ to: 'oncall@example.test, it@example.test' });
    await m.send(notice(), settings);
    assert.equal(smtp.mails.length, 1);
    const mail = smtp.mails[0]!;
    assert.equal(mail.from, 'prophasis@example.test');
    assert.deepEqual(mail.to, ['oncall@example.test', 'it@example.test']);
    const { headers, body } = parseMail(mail.data);
    assert.equal(headers.get('subject'), '[Prophasis] web1 cpu-load: ok → major');
    assert.equal(headers.get('from'), 'prophasis@example.test');
    assert.match(body, /^Alert: Web down$/m);
    assert.match(body, /^Host: web1$/m);
    assert.match(body, /^Plugin: cpu-load \(io\.prophasis\.cpu-load\)$/m);
    assert.match(body, /^Change: ok → major$/m);
    assert.match(body, /^Time: 2025-01-02T03:04:05\.000Z$/m);
    assert.doesNotMatch(body, /LATE/);
  });

  it('says so when the transition was late', async () => {
    const m = module();
    await m.send(notice({ late: true }), m.validate({ to: ['oncall@example.test'], subjectPrefix: '' }));
    const { headers, body } = parseMail(smtp.mails[0]!.data);
    assert.equal(headers.get('subject'), 'LATE web1 cpu-load: ok → major');
    assert.match(body, /LATE: this change happened at 2025-01-02T03:04:05\.000Z and was delivered after the agent reconnected\./);
  });

  it('names a service and its change', async () => {
    const m = module();
    await m.send(notice({ target: { kind: 'service', id: 2, name: 'Website' }, plugin: null, from: 'ok', to: 'critical' }), m.validate({ to: 'a@example.test', from: 'alerts@example.test' }));
    const mail = smtp.mails[0]!;
    assert.equal(mail.from, 'alerts@example.test');
    const { headers, body } = parseMail(mail.data);
    assert.equal(headers.get('subject'), '[Prophasis] Website: ok → critical');
    assert.match(body, /^Service: Website$/m);
    assert.doesNotMatch(body, /^Plugin:/m);
  });

  it('the Test action sends a marked test message', async () => {
    const m = module();
    await m.test(m.validate({ to: 'a@example.test' }));
    const { headers, body } = parseMail(smtp.mails[0]!.data);
    assert.match(headers.get('subject')!, /^\[Prophasis\] \[TEST\] test-host test: ok → major$/);
    assert.match(body, /This is a test message from Prophasis; no state changed\./);
  });

  const refusals: [string, unknown, string][] = [
    ['missing recipients', {}, 'settings.to'],
    ['a bad address', { to: 'oncall@example.test, nobody' }, 'settings.to'],
    ['an empty list', { to: ' , ' }, 'settings.to'],
    ['a bad sender', { to: 'a@example.test', from: 'me' }, 'settings.from'],
    ['a two-line subject prefix', { to: 'a@example.test', subjectPrefix: 'a\nBcc: x@evil.test' }, 'settings.subjectPrefix'],
    ['an unknown field', { to: 'a@example.test', cc: 'b@example.test' }, 'settings.cc'],
    ['not an object', 'a@example.test', 'settings'],
  ];
  for (const [what, settings, field] of refusals) {
    it(`refuses ${what}, naming ${field}, and still works afterwards`, async () => {
      const m = module();
      assert.throws(
        () => m.validate(settings),
        (err: unknown) => isProphasisError(err, AlertErrors.INVALID_SETTINGS) && (err.details as { field: string }).field === field && err.message.includes(field),
      );
      await m.send(notice(), m.validate({ to: 'a@example.test' }));
      assert.equal(smtp.mails.length, 1);
    });
  }

  it('fails clearly without an SMTP server, and when the server refuses', async () => {
    const m = module();
    const settings = m.validate({ to: 'a@example.test' });
    server = { ...server, host: '' };
    await assert.rejects(m.send(notice(), settings), (err: unknown) => isProphasisError(err, AlertErrors.NOT_CONFIGURED) && /smtp\.host/.test(err.message));
    server = { ...server, host: '127.0.0.1' };
    smtp.refuse = true;
    await assert.rejects(m.send(notice(), settings), /554/);
    smtp.refuse = false;
    await m.send(notice(), settings);
    assert.equal(smtp.mails.length, 1);
  });
});
