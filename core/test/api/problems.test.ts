import assert from 'node:assert/strict';
import { DIALECTS } from '../db/helpers.js';
import { call, createTestApi, type TestApi } from './helpers.js';

const HOUR = 3_600_000;

for (const dialect of DIALECTS) {
  describe(`API acknowledgements and silences (${dialect})`, function () {
    this.timeout(60_000);
    let api: TestApi;
    let hostId: number;
    let okHostId: number;
    let pluginRow: number;

    before(async () => {
      api = await createTestApi(dialect, { dbPrefix: 'prophasis_test_api_pr' });
      hostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'db-1' })).json().id;
      okHostId = (await call(api, 'admin', 'POST', '/api/hosts', { name: 'db-2' })).json().id;
      pluginRow = (await api.db.models.Plugin.create({ pluginId: 'io.prophasis.disk', name: 'disk' })).id;
      const insert = 'INSERT INTO current_states (host_id, plugin_id, severity, since) VALUES (?, ?, ?, ?)';
      await api.db.sequelize.query(insert, { replacements: [hostId, pluginRow, 'major', Date.now() - HOUR] });
      await api.db.sequelize.query(insert, { replacements: [okHostId, pluginRow, 'ok', Date.now() - HOUR] });
    });
    after(async () => api?.close());

    it('an operator acknowledges a plugin problem with a comment; viewers see it, the audit trail records it', async () => {
      assert.equal((await call(api, 'viewer', 'POST', '/api/acknowledgements', { problem: { hostId, pluginId: pluginRow }, comment: 'x' })).statusCode, 403);
      assert.equal((await call(api, undefined, 'GET', '/api/acknowledgements')).statusCode, 401);
      const res = await call(api, 'operator', 'POST', '/api/acknowledgements', { problem: { hostId, pluginId: pluginRow }, comment: 'replacing the disk', sticky: true });
      assert.equal(res.statusCode, 201, res.body);
      const ack = res.json();
      assert.equal(ack.problem, `h:${hostId}:p:${pluginRow}`);
      assert.equal(ack.severity, 'major');
      assert.equal(ack.sticky, true);
      assert.equal(ack.by, 'operator');
      const list = (await call(api, 'viewer', 'GET', '/api/acknowledgements')).json() as { id: number }[];
      assert.deepEqual(list.map((a) => a.id), [ack.id]);
      const audit = (await call(api, 'admin', 'GET', '/api/audit?action=problems')).json() as { items: { action: string; user: string | null; targetId: string | null }[] };
      const entry = audit.items.find((e) => e.action === 'problems.acknowledge');
      assert.ok(entry, JSON.stringify(audit));
      assert.equal(entry.targetId, ack.problem);
    });

    it('refuses to acknowledge an ok problem, an unknown host or a half-named problem, and stores nothing', async () => {
      const before = (await call(api, 'viewer', 'GET', '/api/acknowledgements')).json();
      const ok = await call(api, 'operator', 'POST', '/api/acknowledgements', { problem: { hostId: okHostId, pluginId: pluginRow }, comment: 'nothing wrong' });
      assert.equal(ok.statusCode, 400, ok.body);
      assert.equal(ok.json().code, 'CORE_ALERT_NO_PROBLEM');
      assert.equal(ok.json().details.field, 'problem');
      const unknown = await call(api, 'operator', 'POST', '/api/acknowledgements', { problem: { hostId: 99_999 }, comment: 'who?' });
      assert.equal(unknown.statusCode, 400, unknown.body);
      assert.equal(unknown.json().details.field, 'problem.hostId');
      const half = await call(api, 'operator', 'POST', '/api/acknowledgements', { problem: { pluginId: pluginRow }, comment: 'which host?' });
      assert.equal(half.statusCode, 400, half.body);
      assert.match(half.json().message, /problem/);
      const empty = await call(api, 'operator', 'POST', '/api/acknowledgements', { problem: { hostId }, comment: '' });
      assert.equal(empty.statusCode, 400, empty.body);
      assert.deepEqual((await call(api, 'viewer', 'GET', '/api/acknowledgements')).json(), before);
    });

    it('an operator removes an acknowledgement; a second removal is 404', async () => {
      const ack = (await call(api, 'operator', 'POST', '/api/acknowledgements', { problem: { hostId }, comment: 'host is major' })).json();
      assert.equal((await call(api, 'operator', 'DELETE', `/api/acknowledgements/${ack.id}`)).statusCode, 204);
      assert.equal((await call(api, 'operator', 'DELETE', `/api/acknowledgements/${ack.id}`)).statusCode, 404);
    });

    const silence = (over: Record<string, unknown> = {}) => ({
      name: 'Patch night',
      kind: 'weekly',
      timeZone: 'Europe/Berlin',
      startTime: '22:00',
      endTime: '02:00',
      weekdays: [2],
      scopes: { hostIds: [hostId] },
      ...over,
    });

    it('creates one-off and recurring silences (operator), says which are active, an admin edits, an operator deletes', async () => {
      const now = Date.now();
      const once = await call(api, 'operator', 'POST', '/api/silences', { name: 'Disk swap', kind: 'once', startsAt: now - HOUR, endsAt: now + HOUR, scopes: { pluginIds: ['io.prophasis.disk'] } });
      assert.equal(once.statusCode, 201, once.body);
      assert.equal(once.json().active, true);
      const weekly = await call(api, 'operator', 'POST', '/api/silences', silence());
      assert.equal(weekly.statusCode, 201, weekly.body);
      assert.deepEqual(weekly.json().weekdays, [2]);
      const id = weekly.json().id as number;
      assert.equal((await call(api, 'operator', 'PUT', `/api/silences/${id}`, silence({ name: 'Renamed' }))).statusCode, 403);
      const edited = await call(api, 'admin', 'PUT', `/api/silences/${id}`, silence({ name: 'Renamed' }));
      assert.equal(edited.statusCode, 200, edited.body);
      assert.equal(edited.json().name, 'Renamed');
      const list = (await call(api, 'viewer', 'GET', '/api/silences')).json() as { id: number; name: string }[];
      assert.deepEqual(list.map((s) => s.name), ['Disk swap', 'Renamed']);
      assert.equal((await call(api, 'viewer', 'DELETE', `/api/silences/${id}`)).statusCode, 403);
      assert.equal((await call(api, 'operator', 'DELETE', `/api/silences/${id}`)).statusCode, 204);
      assert.equal((await call(api, 'operator', 'DELETE', `/api/silences/${id}`)).statusCode, 404);
      await call(api, 'operator', 'DELETE', `/api/silences/${once.json().id}`);
    });

    it('refuses bad windows with a 400 naming the field, and stores nothing', async () => {
      const now = Date.now();
      const refusals: [Record<string, unknown>, string, string][] = [
        [{ kind: 'once', startsAt: now + HOUR, endsAt: now + HOUR, timeZone: undefined, startTime: undefined, endTime: undefined, weekdays: undefined }, 'endsAt', 'CORE_ALERT_INVALID_WINDOW'],
        [{ kind: 'once', startsAt: now, timeZone: undefined, startTime: undefined, endTime: undefined, weekdays: undefined }, 'endsAt', 'CORE_ALERT_INVALID_WINDOW'],
        [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone', 'CORE_ALERT_INVALID_WINDOW'],
        [{ timeZone: undefined }, 'timeZone', 'CORE_ALERT_INVALID_WINDOW'],
        [{ endTime: '22:00' }, 'endTime', 'CORE_ALERT_INVALID_WINDOW'],
        [{ weekdays: undefined }, 'weekdays', 'CORE_ALERT_INVALID_WINDOW'],
        [{ scopes: {} }, 'scopes', 'CORE_ALERT_INVALID_WINDOW'],
        [{ scopes: { hostIds: [99_999] } }, 'scopes.hostIds', 'CORE_API_REFERENCE_NOT_FOUND'],
        [{ scopes: { groupIds: [99_999] } }, 'scopes.groupIds', 'CORE_API_REFERENCE_NOT_FOUND'],
        [{ scopes: { pluginIds: ['io.example.nothing'] } }, 'scopes.pluginIds', 'CORE_API_REFERENCE_NOT_FOUND'],
      ];
      for (const [over, field, code] of refusals) {
        const res = await call(api, 'operator', 'POST', '/api/silences', JSON.parse(JSON.stringify(silence(over))));
        assert.equal(res.statusCode, 400, `${JSON.stringify(over)}: ${res.body}`);
        assert.equal(res.json().code, code, res.body);
        assert.equal(res.json().details.field, field, res.body);
        assert.match(res.json().message, new RegExp(field.replace('.', '\\.')));
      }
      assert.deepEqual((await call(api, 'viewer', 'GET', '/api/silences')).json(), []);
    });

    it('refuses a window that overlaps another with the same scopes, and accepts it for other scopes or times', async () => {
      const first = await call(api, 'operator', 'POST', '/api/silences', silence());
      assert.equal(first.statusCode, 201, first.body);
      // Tuesday 23:00–01:00 overlaps Tuesday 22:00 – Wednesday 02:00.
      const overlapping = await call(api, 'operator', 'POST', '/api/silences', silence({ name: 'Again', startTime: '23:00', endTime: '01:00' }));
      assert.equal(overlapping.statusCode, 400, overlapping.body);
      assert.equal(overlapping.json().code, 'CORE_ALERT_WINDOW_OVERLAP');
      assert.equal(overlapping.json().details.field, 'startTime');
      // Wednesday 02:00–04:00 starts when the first ends.
      assert.equal((await call(api, 'operator', 'POST', '/api/silences', silence({ name: 'After', weekdays: [3], startTime: '02:00', endTime: '04:00' }))).statusCode, 201);
      assert.equal((await call(api, 'operator', 'POST', '/api/silences', silence({ name: 'Other host', scopes: { hostIds: [okHostId] } }))).statusCode, 201);
      const now = Date.now();
      const once = { name: 'Swap', kind: 'once', startsAt: now, endsAt: now + HOUR, scopes: { hostIds: [hostId] } };
      assert.equal((await call(api, 'operator', 'POST', '/api/silences', once)).statusCode, 201);
      const again = await call(api, 'operator', 'POST', '/api/silences', { ...once, startsAt: now + HOUR / 2, endsAt: now + 2 * HOUR });
      assert.equal(again.statusCode, 400, again.body);
      assert.equal(again.json().details.field, 'startsAt');
      assert.equal(((await call(api, 'viewer', 'GET', '/api/silences')).json() as unknown[]).length, 4);
    });

    it('the host list, host report and service health mark acknowledged problems and problems in maintenance', async () => {
      for (const s of (await call(api, 'viewer', 'GET', '/api/silences')).json() as { id: number }[]) await call(api, 'operator', 'DELETE', `/api/silences/${s.id}`);
      const ack = (await call(api, 'operator', 'POST', '/api/acknowledgements', { problem: { hostId }, comment: 'on it' })).json();
      const now = Date.now();
      const maint = (await call(api, 'operator', 'POST', '/api/silences', { name: 'Disk swap', kind: 'once', startsAt: now - HOUR, endsAt: now + HOUR, scopes: { pluginIds: ['io.prophasis.disk'] } })).json();
      const hosts = (await call(api, 'viewer', 'GET', '/api/reports/hosts')).json() as { id: number; acknowledged: { id: number; by: string; comment: string } | null; maintenance: unknown }[];
      const mine = hosts.find((h) => h.id === hostId)!;
      assert.deepEqual({ id: mine.acknowledged?.id, by: mine.acknowledged?.by, comment: mine.acknowledged?.comment }, { id: ack.id, by: 'operator', comment: 'on it' });
      assert.equal(mine.maintenance, null, 'a plugin scope does not cover the host’s own state');
      assert.equal(hosts.find((h) => h.id === okHostId)!.acknowledged, null);
      const report = (await call(api, 'viewer', 'GET', `/api/reports/hosts/${hostId}`)).json() as { acknowledged: { id: number } | null; plugins: { pluginId: string; maintenance: { silenceId: number; name: string } | null }[] };
      assert.equal(report.acknowledged?.id, ack.id);
      assert.deepEqual(report.plugins.find((p) => p.pluginId === 'io.prophasis.disk')!.maintenance, { silenceId: maint.id, name: 'Disk swap' });
      assert.equal((await call(api, 'viewer', 'GET', '/api/reports/services')).statusCode, 200);
    });

    it('a silence of one problem covers that plugin on that host only; an unknown or half-named problem is a 400 naming scopes.problem', async () => {
      for (const s of (await call(api, 'viewer', 'GET', '/api/silences')).json() as { id: number }[]) await call(api, 'operator', 'DELETE', `/api/silences/${s.id}`);
      const now = Date.now();
      const body = { name: 'Disk on db-1', kind: 'once', startsAt: now - HOUR, endsAt: now + HOUR, scopes: { problem: { hostId, pluginId: pluginRow } } };
      const made = await call(api, 'operator', 'POST', '/api/silences', body);
      assert.equal(made.statusCode, 201, made.body);
      assert.equal(made.json().scopes.problem, `h:${hostId}:p:${pluginRow}`);
      const mark = async (h: number) =>
        ((await call(api, 'viewer', 'GET', `/api/reports/hosts/${h}`)).json() as { plugins: { pluginId: string; maintenance: { silenceId: number } | null }[] }).plugins.find((p) => p.pluginId === 'io.prophasis.disk')?.maintenance ?? null;
      assert.deepEqual(await mark(hostId), { silenceId: made.json().id, name: 'Disk on db-1' });
      assert.equal(await mark(okHostId), null, 'the same plugin on another host is not silenced');
      const hosts = (await call(api, 'viewer', 'GET', '/api/reports/hosts')).json() as { id: number; maintenance: unknown }[];
      assert.equal(hosts.find((h) => h.id === hostId)!.maintenance, null, 'nor the host’s own state');
      const overlap = await call(api, 'operator', 'POST', '/api/silences', body);
      assert.equal(overlap.statusCode, 400, overlap.body);
      assert.equal(overlap.json().code, 'CORE_ALERT_WINDOW_OVERLAP');
      const count = ((await call(api, 'viewer', 'GET', '/api/silences')).json() as unknown[]).length;
      for (const [problem, field] of [[{ hostId: 99_999, pluginId: pluginRow }, 'scopes.problem.hostId'], [{ pluginId: pluginRow }, 'scopes.problem']] as const) {
        const res = await call(api, 'operator', 'POST', '/api/silences', { ...body, name: 'bad', scopes: { problem } });
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().details.field, field);
      }
      assert.equal(((await call(api, 'viewer', 'GET', '/api/silences')).json() as unknown[]).length, count, 'nothing stored');
    });
  });
}
