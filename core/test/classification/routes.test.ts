import assert from 'node:assert/strict';
import { silentLogger } from '@prophasis/protocol';
import type { Role } from '../../src/kernel/roles.js';
import { CLASSIFICATION_DEFAULTS } from '../../src/classification/config.js';
import { createClassificationEngine, type ClassificationEngine } from '../../src/classification/index.js';
import { classifierRoutes } from '../../src/classification/routes/classifiers.js';
import { call, createTestApiOn, type TestApi } from '../api/helpers.js';
import { DIALECTS, openTestDatabase } from '../db/helpers.js';
import { seeder } from '../pipeline/helpers.js';
import { CPU, EXPECTED, RANGE, seedHistory } from './history.test.js';

/** The app as core/test/api/helpers.ts builds it, plus the classifier routes the lead registers under `/api`. */
async function createClassifierApi(dialect: 'sqlite' | 'postgres', engine: ClassificationEngine): Promise<TestApi> {
  const database = await openTestDatabase(dialect, { prefix: 'prophasis_test_ch' });
  return createTestApiOn(database, { routes: [classifierRoutes({ db: database.db, engine })] });
}

describe('classifier API', function () {
  this.timeout(60_000);
  let engine: ClassificationEngine;
  before(async () => {
    engine = createClassificationEngine({ ...CLASSIFICATION_DEFAULTS, workers: 1 }, { logger: silentLogger() });
    await engine.start();
  });
  after(() => engine.stop());

  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      let api: TestApi;
      let ids: Awaited<ReturnType<typeof seedHistory>>;
      const PLUGIN = 'io.prophasis.cpu-load';
      before(async () => {
        api = await createClassifierApi(dialect, engine);
        ids = await seedHistory(api.db, PLUGIN);
      });
      after(() => api.close());

      const healthy = async () => {
        const res = await call(api, 'operator', 'POST', '/api/classifiers/test-values', { code: 'return "ok"', values: [] });
        assert.deepEqual([res.statusCode, res.json()], [200, { severity: 'ok' }]);
      };

      describe('try before you save', () => {
        it('runs a classifier over stored history: severities, transitions and counts', async () => {
          const res = await call(api, 'operator', 'POST', '/api/classifiers/test', { code: CPU, hostId: ids.hostId, pluginId: PLUGIN, ...RANGE });
          assert.equal(res.statusCode, 200, res.body);
          const body = res.json();
          assert.deepEqual(body.points.map((p: { severity: string }) => p.severity), EXPECTED);
          assert.equal(body.transitionCount, 4);
          assert.deepEqual(body.counts, { major: 3, ok: 2, minor: 3 });
          assert.deepEqual([body.errors, body.capped, body.historyCount], [0, false, 3]);
        });

        it('refuses code that does not compile with 400 and the Lua message, and keeps serving', async () => {
          const res = await call(api, 'operator', 'POST', '/api/classifiers/test', { code: 'if then', hostId: ids.hostId, pluginId: PLUGIN, ...RANGE });
          assert.equal(res.statusCode, 400);
          assert.equal(res.json().code, 'CORE_API_BAD_REQUEST');
          assert.match(res.json().message, /classifier:1:/);
          assert.equal(res.json().details.kind, 'compile');
          await healthy();
        });

        it('refuses a viewer, an unknown host or plugin, and a reversed range', async () => {
          const body = { code: CPU, hostId: ids.hostId, pluginId: PLUGIN, ...RANGE };
          assert.equal((await call(api, 'viewer', 'POST', '/api/classifiers/test', body)).statusCode, 403);
          assert.equal((await call(api, 'operator', 'POST', '/api/classifiers/test', { ...body, hostId: 9999 })).statusCode, 404);
          assert.equal((await call(api, 'operator', 'POST', '/api/classifiers/test', { ...body, pluginId: 'io.example.nope' })).statusCode, 404);
          assert.equal((await call(api, 'operator', 'POST', '/api/classifiers/test', { ...body, from: RANGE.to, to: RANGE.from })).statusCode, 400);
          await healthy();
        });

        it('classifies given values, messages and result types; errors come back as unknown with the reason', async () => {
          const ok = await call(api, 'operator', 'POST', '/api/classifiers/test-values', { code: CPU, values: [1, 80, null] });
          assert.deepEqual(ok.json(), { severity: 'minor' });
          const types = await call(api, 'operator', 'POST', '/api/classifiers/test-values', {
            code: 'if result_types[result_types.n] == "connection_error" and messages[1] == "x" then return "major" end return "ok"',
            values: [null, null],
            messages: ['x', null],
            resultTypes: ['plugin', 'connection_error'],
          });
          assert.deepEqual(types.json(), { severity: 'major' });
          const bad = await call(api, 'operator', 'POST', '/api/classifiers/test-values', { code: 'return "critical"', values: [1] });
          assert.equal(bad.json().severity, 'unknown');
          assert.equal(bad.json().error.kind, 'invalid_return');
          const broken = await call(api, 'operator', 'POST', '/api/classifiers/test-values', { code: 'error("boom")', values: [1] });
          assert.equal(broken.json().error.kind, 'runtime');
          assert.match(broken.json().error.message, /boom/);
          const mismatch = await call(api, 'operator', 'POST', '/api/classifiers/test-values', { code: CPU, values: [1], messages: ['a', 'b'] });
          assert.equal(mismatch.statusCode, 400);
          await healthy();
        });
      });

      describe('overrides', () => {
        let parent: number;
        let child: number;
        before(async () => {
          // web-1 is a direct member of `child`, which is nested in `parent`.
          const seed = seeder(api.db);
          child = (await seed.group('child', [ids.hostId])).id;
          parent = (await seed.group('parent', [], [child])).id;
        });

        const effective = async (checkId?: number) => {
          const res = await call(api, 'viewer', 'GET', `/api/classifiers/effective?hostId=${ids.hostId}&pluginId=${PLUGIN}${checkId ? `&checkId=${checkId}` : ''}`);
          assert.equal(res.statusCode, 200, res.body);
          return res.json() as { source: string; scopeId?: number; code: string; version?: string };
        };
        const put = (scope: string, scopeId: number, code: string, role: Role = 'admin') =>
          call(api, role, 'PUT', '/api/classifier-overrides', { pluginId: PLUGIN, scope, scopeId, code });

        it('resolves check > host > nearest group > default, and deleting falls back', async () => {
          assert.deepEqual(await effective(), { source: 'default', version: '1.0.0', code: CPU });

          const p = await put('group', parent, 'return "minor"');
          assert.equal(p.statusCode, 201, p.body);
          assert.deepEqual(await effective(), { source: 'group', scopeId: parent, code: 'return "minor"' });
          const c = await put('group', child, 'return "degraded"');
          assert.deepEqual(await effective(), { source: 'group', scopeId: child, code: 'return "degraded"' });
          const h = await put('host', ids.hostId, 'return "major"');
          assert.deepEqual(await effective(), { source: 'host', scopeId: ids.hostId, code: 'return "major"' });
          const k = await put('check', ids.checkId, 'return "ok"');
          assert.deepEqual(await effective(ids.checkId), { source: 'check', scopeId: ids.checkId, code: 'return "ok"' });
          assert.equal((await effective()).source, 'host', 'without a check, the check override does not apply');

          const list = await call(api, 'viewer', 'GET', `/api/classifier-overrides?pluginId=${PLUGIN}`);
          assert.equal(list.statusCode, 200);
          assert.deepEqual(
            list.json().items.map((o: { scope: string; scopeId: number }) => `${o.scope}:${o.scopeId}`).sort(),
            [`check:${ids.checkId}`, `group:${child}`, `group:${parent}`, `host:${ids.hostId}`].sort(),
          );
          assert.deepEqual((await call(api, 'viewer', 'GET', '/api/classifier-overrides?pluginId=io.example.none')).json(), { items: [] });

          // Replacing keeps the row.
          const again = await put('host', ids.hostId, 'return "no_data"');
          assert.equal(again.statusCode, 200);
          assert.equal(again.json().id, h.json().id);
          assert.equal((await effective()).code, 'return "no_data"');

          for (const [res, next] of [
            [h, { source: 'group', scopeId: child }],
            [c, { source: 'group', scopeId: parent }],
            [p, { source: 'default' }],
          ] as const) {
            const del = await call(api, 'admin', 'DELETE', `/api/classifier-overrides/${res.json().id}`);
            assert.equal(del.statusCode, 204);
            const now = await effective();
            assert.deepEqual({ source: now.source, scopeId: now.scopeId }, { source: next.source, scopeId: 'scopeId' in next ? next.scopeId : undefined });
          }
          assert.equal((await call(api, 'admin', 'DELETE', `/api/classifier-overrides/${k.json().id}`)).statusCode, 204);
          assert.equal((await call(api, 'admin', 'DELETE', `/api/classifier-overrides/${k.json().id}`)).statusCode, 404);
          assert.deepEqual((await call(api, 'viewer', 'GET', '/api/classifier-overrides')).json(), { items: [] });
        });

        it('refuses code that does not compile, with the Lua error, and stores nothing', async () => {
          const res = await put('host', ids.hostId, 'return return');
          assert.equal(res.statusCode, 400);
          assert.match(res.json().message, /does not compile: classifier:1:/);
          assert.deepEqual((await call(api, 'viewer', 'GET', '/api/classifier-overrides')).json(), { items: [] });
          assert.equal((await effective()).source, 'default');
          await healthy();
        });

        it('refuses a viewer and an operator, and an unknown scope or plugin', async () => {
          for (const role of ['viewer', 'operator'] as const) {
            const res = await put('host', ids.hostId, 'return "ok"', role);
            assert.equal(res.statusCode, 403);
            assert.equal(res.json().code, 'CORE_API_FORBIDDEN');
          }
          assert.equal((await put('group', 9999, 'return "ok"')).statusCode, 400);
          assert.equal((await call(api, 'admin', 'PUT', '/api/classifier-overrides', { pluginId: 'io.example.none', scope: 'host', scopeId: ids.hostId, code: 'return "ok"' })).statusCode, 400);
          assert.equal((await put('galaxy', ids.hostId, 'return "ok"')).statusCode, 400);
          assert.equal((await call(api, 'viewer', 'DELETE', '/api/classifier-overrides/1')).statusCode, 403);
          assert.deepEqual((await call(api, 'viewer', 'GET', '/api/classifier-overrides')).json(), { items: [] });
          await healthy();
        });

        it('records changes in the audit trail', async () => {
          const res = await put('host', ids.hostId, 'return "ok"');
          assert.equal(res.statusCode, 201);
          await call(api, 'admin', 'DELETE', `/api/classifier-overrides/${res.json().id}`);
          const actions = (await api.db.models.AuditLog.findAll()).map((a) => a.action);
          assert.ok(actions.includes('classifier-overrides.put') && actions.includes('classifier-overrides.delete'), actions.join(','));
        });
      });
    });
  }
});
