import assert from 'node:assert/strict';
import { isProphasisError } from '@prophasis/protocol';
import { AlertErrors, createWebhookModule } from '../../src/alerting/index.js';
import { startReceiver } from './http-server.js';
import { notice } from './support.js';

describe('alerting: webhook module', function () {
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  const m = createWebhookModule();

  beforeEach(async () => {
    rx = await startReceiver();
  });
  afterEach(async () => rx.close());

  const body = (i = 0) => JSON.parse(rx.requests[i]!.body) as Record<string, unknown>;

  it('POSTs the Prophasis notice as JSON by default, with custom headers and a bearer token', async () => {
    await m.send(notice({ late: true }), m.validate({ url: `${rx.base}/hook`, headers: { 'X-Team': 'ops' }, token: 's3cret' }));
    const req = rx.requests[0]!;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/hook');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-team'], 'ops');
    assert.equal(req.headers.authorization, 'Bearer s3cret');
    const b = body();
    assert.deepEqual(b.alert, { id: 1, name: 'Web down' });
    assert.deepEqual(b.target, { kind: 'host', id: 7, name: 'web1' });
    assert.deepEqual(b.plugin, { id: 3, pluginId: 'io.prophasis.cpu-load', name: 'cpu-load' });
    assert.equal(b.from, 'ok');
    assert.equal(b.to, 'major');
    assert.equal(b.at, '2025-01-02T03:04:05.000Z');
    assert.equal(b.late, true);
    assert.equal(b.subject, 'LATE web1 cpu-load: ok → major');
    assert.match(b.text as string, /LATE: this change happened at 2025-01-02T03:04:05\.000Z and was delivered after the agent reconnected\./);
  });

  it('sends the delivery id as Idempotency-Key on every format, so a receiver can drop a repeat after a restart', async () => {
    for (const format of ['json', 'slack', 'ntfy'] as const) {
      await m.send(notice({ deliveryId: `d-${format}` }), m.validate({ url: `${rx.base}/t/x`, format }));
    }
    assert.deepEqual(
      rx.requests.map((r) => r.headers['idempotency-key']),
      ['d-json', 'd-slack', 'd-ntfy'],
    );
    // A test notice has no delivery: no header.
    await m.send(notice(), m.validate({ url: `${rx.base}/hook` }));
    assert.equal(rx.requests[3]!.headers['idempotency-key'], undefined);
  });

  it('slack preset: { text } with the subject in bold', async () => {
    await m.send(notice(), m.validate({ url: `${rx.base}/services/T/B/X`, format: 'slack' }));
    const b = body();
    assert.deepEqual(Object.keys(b), ['text']);
    assert.match(b.text as string, /^\*web1 cpu-load: ok → major\*\nAlert: Web down\n/);
  });

  it('teams preset: an Adaptive Card message', async () => {
    await m.send(notice(), m.validate({ url: `${rx.base}/workflows/x`, format: 'teams' }));
    const b = body() as { type: string; attachments: { contentType: string; content: { type: string; version: string; body: { text: string }[] } }[] };
    assert.equal(b.type, 'message');
    assert.equal(b.attachments.length, 1);
    assert.equal(b.attachments[0]!.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(b.attachments[0]!.content.type, 'AdaptiveCard');
    assert.equal(b.attachments[0]!.content.body[0]!.text, 'web1 cpu-load: ok → major');
    assert.match(b.attachments[0]!.content.body[1]!.text, /Change: ok → major/);
  });

  it('ntfy preset: JSON publishing to the server root with the topic from the URL', async () => {
    await m.send(notice({ late: true }), m.validate({ url: `${rx.base}/prophasis-alerts`, format: 'ntfy' }));
    assert.equal(rx.requests[0]!.url, '/');
    const b = body();
    assert.equal(b.topic, 'prophasis-alerts');
    assert.equal(b.title, 'LATE web1 cpu-load: ok → major');
    assert.equal(b.priority, 5);
    assert.deepEqual(b.tags, ['major', 'late']);
    assert.match(b.message as string, /^Alert: Web down/);
  });

  it('sends the rendered texts it is given and the action links: in the json body, as Teams card buttons and ntfy action buttons', async () => {
    const actions = { acknowledge: 'https://mon.example.com/act/a', mute1h: 'https://mon.example.com/act/b', muteUntilOk: 'https://mon.example.com/act/c' };
    const message = { subject: 'Edited subject', text: 'Edited text', html: null, actions };
    await m.send(notice(), m.validate({ url: `${rx.base}/hook` }), message);
    assert.deepEqual([body(0).subject, body(0).text, body(0).actions], ['Edited subject', 'Edited text', actions]);
    await m.send(notice(), m.validate({ url: `${rx.base}/services/T/B/X`, format: 'slack' }), message);
    assert.equal(body(1).text, '*Edited subject*\nEdited text');
    await m.send(notice(), m.validate({ url: `${rx.base}/workflows/x`, format: 'teams' }), message);
    const card = (body(2) as { attachments: { content: { actions: { type: string; title: string; url: string }[] } }[] }).attachments[0]!.content;
    assert.deepEqual(card.actions.map((a) => [a.type, a.title, a.url]), [['Action.OpenUrl', 'Acknowledge', actions.acknowledge], ['Action.OpenUrl', 'Mute 1 h', actions.mute1h], ['Action.OpenUrl', 'Mute until ok', actions.muteUntilOk]]);
    await m.send(notice(), m.validate({ url: `${rx.base}/alerts`, format: 'ntfy' }), message);
    assert.deepEqual(body(3).actions, [
      { action: 'view', label: 'Acknowledge', url: actions.acknowledge },
      { action: 'view', label: 'Mute 1 h', url: actions.mute1h },
      { action: 'view', label: 'Mute until ok', url: actions.muteUntilOk },
    ]);
    assert.equal(body(3).title, 'Edited subject');
    // Without links: none in any preset, null in the json body.
    await m.send(notice(), m.validate({ url: `${rx.base}/alerts`, format: 'ntfy' }));
    assert.equal('actions' in body(4), false);
    await m.send(notice(), m.validate({ url: `${rx.base}/hook` }));
    assert.equal(body(5).actions, null);
  });

  it('an HTTP 500 is a failure naming the origin only, not the secret path', async () => {
    rx.respond.status = 500;
    const settings = m.validate({ url: `${rx.base}/services/T000/B000/SECRET`, format: 'slack' });
    await assert.rejects(m.send(notice(), settings), (err: unknown) => {
      assert.ok(isProphasisError(err, AlertErrors.DELIVERY_FAILED));
      assert.equal(err.message, `Alert delivery failed: webhook: HTTP 500 from ${rx.base}: receiver says no`);
      assert.doesNotMatch(err.message, /SECRET/);
      return true;
    });
    rx.respond.status = 204;
    await m.send(notice(), settings);
    assert.equal(rx.requests.length, 2);
  });

  it('a redirect is not followed and counts as a failure', async () => {
    rx.respond.status = 302;
    rx.respond.location = 'http://127.0.0.1:1/elsewhere';
    await assert.rejects(m.send(notice(), m.validate({ url: `${rx.base}/h` })), /HTTP 302/);
    assert.equal(rx.requests.length, 1);
  });

  it('gives up after its timeout', async () => {
    rx.respond.hang = true;
    const started = Date.now();
    await assert.rejects(m.send(notice(), m.validate({ url: `${rx.base}/slow`, timeoutSeconds: 1 })), /no answer within 1 s/);
    assert.ok(Date.now() - started < 3000);
  });

  it('a refused connection names the reason', async () => {
    const port = rx.port;
    await rx.close();
    await assert.rejects(m.send(notice(), m.validate({ url: `http://127.0.0.1:${port}/h` })), /ECONNREFUSED/);
    rx = await startReceiver();
  });

  it('the Test action posts a test notice', async () => {
    await m.test(m.validate({ url: `${rx.base}/h` }));
    assert.equal(body().test, true);
  });

  const refusals: [string, unknown, string][] = [
    ['no URL', {}, 'settings.url'],
    ['a non-HTTP URL', { url: 'ftp://example.test/x' }, 'settings.url'],
    ['credentials in the URL', { url: 'https://user:pw@example.test/x' }, 'settings.url'],
    ['an unknown format', { url: 'https://example.test/x', format: 'discord' }, 'settings.format'],
    ['an ntfy URL without topic', { url: 'https://ntfy.example.test/', format: 'ntfy' }, 'settings.url'],
    ['a header with a line break', { url: 'https://example.test/x', headers: { 'X-A': 'a\r\nX-B: b' } }, 'settings.headers.X-A'],
    ['a bad header name', { url: 'https://example.test/x', headers: { 'X A': 'a' } }, 'settings.headers.X A'],
    ['a framing header', { url: 'https://example.test/x', headers: { 'Content-Length': '1' } }, 'settings.headers.Content-Length'],
    ['a timeout out of range', { url: 'https://example.test/x', timeoutSeconds: 0 }, 'settings.timeoutSeconds'],
  ];
  for (const [what, settings, field] of refusals) {
    it(`refuses ${what}, naming ${field}, and still works afterwards`, async () => {
      assert.throws(
        () => m.validate(settings),
        (err: unknown) => isProphasisError(err, AlertErrors.INVALID_SETTINGS) && (err.details as { field: string }).field === field,
      );
      await m.send(notice(), m.validate({ url: `${rx.base}/ok` }));
      assert.equal(rx.requests.length, 1);
    });
  }
});
