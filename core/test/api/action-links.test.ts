import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { QueryTypes } from 'sequelize';
import { createActionLinks, isSuppressed, loadOrCreateActionKey, type ActionLinks } from '../../src/alerting/index.js';
import { createAuditTrail } from '../../src/audit/audit.js';
import { databaseAuditStore } from '../../src/audit/store.js';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`action links: acknowledge and mute from a notification, without a session (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let links: ActionLinks;
    let base: string;
    let hostId: number;
    let otherHostId: number;
    let clock = Date.now();
    const dataDir = mkdtempSync(join(tmpdir(), 'prophasis-links-'));

    before(async () => {
      api = await createTestApi(dialect, {
        dbPrefix: 'prophasis_test_api_al',
        deps: (db) => {
          const audit = createAuditTrail({ store: databaseAuditStore(db) });
          links = createActionLinks({ ttlMs: DAY }, { db, key: loadOrCreateActionKey(dataDir), baseUrl: () => base, audit, now: () => clock });
          return { actionLinks: links };
        },
      });
      await api.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}/`;
      hostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'mail-1' })).json().id;
      otherHostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'mail-2' })).json().id;
      const plugin = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.smtp', name: 'smtp' })).id;
      for (const h of [hostId, otherHostId]) {
        await api.db.sequelize.query('INSERT INTO current_states (host_id, plugin_id, severity, since) VALUES (?, ?, ?, ?)', { replacements: [h, plugin, 'major', clock] });
      }
    });
    after(async () => {
      await api?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const host = () => ({ hostId, pluginId: null, serviceId: null });
    const acks = async () => (await call(api, 'viewer', 'GET', '/api/acknowledgements')).json() as { problem: string; by: string; comment: string }[];
    const form = (url: string, body = '') => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

    it('keeps its HMAC key in the data directory, mode 0600, the same across restarts, and not in the database', async () => {
      const path = join(dataDir, 'action-links.key');
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.deepEqual(loadOrCreateActionKey(dataDir), loadOrCreateActionKey(dataDir));
      const key = readFileSync(path, 'utf8').trim();
      const rows = await api.db.sequelize.query('SELECT * FROM action_links', { type: QueryTypes.SELECT });
      assert.equal(JSON.stringify(rows).includes(key), false);
    });

    it('GET shows a confirmation page and changes nothing; POST acknowledges once, audited with the recipient', async () => {
      const urls = await links.actionLinks(host(), 'oncall@example.com');
      assert.match(urls.acknowledge, /^http:\/\/127\.0\.0\.1:\d+\/act\/[0-9a-f-]{36}\.h:\d+\.\d+\.[A-Za-z0-9_-]{43}$/);
      const page = await fetch(urls.acknowledge);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /Acknowledge: mail-1/);
      assert.match(html, /sent to oncall@example\.com/);
      assert.match(html, /<form method="post">/);
      assert.deepEqual(await acks(), [], 'a GET (a mail scanner) changes nothing');

      const done = await form(urls.acknowledge, 'comment=looking+at+it');
      assert.equal(done.status, 200);
      assert.match(await done.text(), /mail-1 is acknowledged/);
      const [ack] = await acks();
      assert.equal(ack!.problem, `h:${hostId}`);
      assert.equal(ack!.by, 'link sent to oncall@example.com');
      assert.equal(ack!.comment, 'looking at it');
      const audit = (await call(api, 'admin', 'GET', '/api/audit?action=problems.link')).json() as { items: { action: string; targetId: string; summary: { recipient: string } }[] };
      assert.equal(audit.items.length, 1);
      assert.equal(audit.items[0]!.action, 'problems.link.acknowledge');
      assert.equal(audit.items[0]!.summary.recipient, 'oncall@example.com');

      const again = await form(urls.acknowledge);
      assert.equal(again.status, 409);
      assert.match(await again.text(), /already been used/);
    });

    it('tampered, reused-for-another-problem, expired and revoked links get a clear page and change nothing', async () => {
      const urls = await links.actionLinks({ hostId: otherHostId, pluginId: null, serviceId: null }, 'ops@example.com');
      const before = await acks();
      const last = urls.acknowledge.slice(-1);
      const tampered = urls.acknowledge.slice(0, -1) + (last === 'A' ? 'B' : 'A');
      const refusals: [string, number, RegExp][] = [
        [tampered, 400, /signature does not match/],
        [urls.acknowledge.replace(`.h:${otherHostId}.`, `.h:${hostId}.`), 403, /made for another problem/],
        [`${base}act/not-a-token`, 400, /not a valid action link/],
      ];
      for (const [url, status, text] of refusals) {
        const get = await fetch(url);
        assert.equal(get.status, status, url);
        assert.match(await get.text(), text);
        const post = await form(url);
        assert.equal(post.status, status, url);
        assert.match(await post.text(), /Nothing was changed/);
      }
      // Revoked by an operator (listed for the problem, never with its token).
      const listed = (await call(api, 'viewer', 'GET', `/api/action-links?problem=h:${otherHostId}`)).json() as { id: string; action: string }[];
      const mute = listed.find((l) => l.action === 'mute-1h')!;
      assert.equal(JSON.stringify(listed).includes(urls.mute1h.split('.').pop()!), false);
      assert.equal((await call(api, 'viewer', 'DELETE', `/api/action-links/${mute.id}`)).statusCode, 403);
      assert.equal((await call(api, 'operator', 'DELETE', `/api/action-links/${mute.id}`)).statusCode, 204);
      const revoked = await form(urls.mute1h);
      assert.equal(revoked.status, 410);
      assert.match(await revoked.text(), /revoked/);
      // Expired.
      clock += DAY;
      const expired = await form(urls.muteUntilOk);
      assert.equal(expired.status, 410);
      assert.match(await expired.text(), /expired/);
      // Housekeeping deletes expired links (core/src/housekeeping/rules.ts); the page still says expired, by the signature.
      await api.db.sequelize.query('DELETE FROM action_links WHERE expires_at <= ?', { replacements: [clock] });
      const purged = await fetch(urls.muteUntilOk);
      assert.equal(purged.status, 410);
      assert.match(await purged.text(), /This link expired on/);
      // A made-up link of the same shape is still "not known".
      const forged = `${base}act/${randomUUID()}.h:${otherHostId}.${clock - 1}.${'A'.repeat(43)}`;
      assert.equal((await fetch(forged)).status, 400);
      clock -= DAY;
      assert.deepEqual(await acks(), before);
      assert.equal(await isSuppressed(api.db, { hostId: otherHostId, pluginId: null, serviceId: null }, clock), null, 'nothing was muted');
    });

    it('Mute for 1 h silences exactly that problem for an hour', async () => {
      const other = { hostId: otherHostId, pluginId: null, serviceId: null };
      const urls = await links.actionLinks(other, 'ops@example.com');
      const res = await form(urls.mute1h);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /muted for 1 hour/);
      const why = await isSuppressed(api.db, other, clock + 30 * 60_000);
      assert.equal(why?.by, 'silence');
      assert.equal(await isSuppressed(api.db, other, clock + 61 * 60_000), null, 'an hour later it is over');
      assert.equal((await isSuppressed(api.db, { hostId: otherHostId, pluginId: 1, serviceId: null }, clock))?.by ?? null, null, 'only that problem');
    });
  });
}
