import assert from 'node:assert/strict';
import { isProphasisError } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import { parse } from 'yaml';
import { createSilence } from '../../src/alerting/problems.js';
import { databaseTemplateStore } from '../../src/alerting/template-store.js';
import { createConfigAsCode, type ConfigAsCode, type ConfigParts } from '../../src/config-as-code/index.js';
import { configAsCodeParts } from '../../src/config-as-code-parts.js';
import { writeSettings, type Database } from '../../src/db/index.js';
import { createSequelizeFleetStore } from '../../src/enrolment/index.js';
import { DIALECTS, openTestDatabase, type TestDatabase } from '../db/helpers.js';

/** The secrets of the populated core, given to the apply as its environment would. */
const SECRETS = {
  PROPHASIS_SECRET_ALERT_PAGER_TOKEN: 'tok-3f9a',
  PROPHASIS_SECRET_ALERT_PAGER_HEADERS_X_API_KEY: 'key-77c1',
  PROPHASIS_SECRET_SMTP_PASSWORD: 'smtp-pass-19',
};

/** Plugins come from signed bundles, never from a file: both cores have the same two (one approved by a person, one by the site). */
async function seedPlugins(db: Database): Promise<void> {
  const { Plugin, PluginVersion } = db.models;
  const base = { manifest: {}, bundleSha256: 'a'.repeat(64), publisher: 'ACME', publisherKeyFingerprint: 'fp', defaultClassifier: 'return "ok"' };
  const http = await Plugin.create({ pluginId: 'com.acme.http', name: 'HTTP' });
  await PluginVersion.create({ ...base, pluginId: http.id, version: '1.2.0', requestedCapabilities: ['net.connect'] });
  const cpu = await Plugin.create({ pluginId: 'io.prophasis.cpu-load', name: 'CPU' });
  await PluginVersion.create({ ...base, bundleSha256: 'b'.repeat(64), pluginId: cpu.id, version: '1.0.0', requestedCapabilities: ['fs.read:/proc/stat'], approvedCapabilities: ['fs.read:/proc/stat'], approvedBy: 'site' });
}

/** A core configured the way people do it: through the features' own writes (the API's), every kind used. */
async function populate(db: Database): Promise<void> {
  const parts = configAsCodeParts(db);
  await db.models.PluginVersion.update({ approvedCapabilities: ['net.connect'], approvedBy: 'alice', approvedAt: 1 }, { where: { version: '1.2.0' } });
  await db.sequelize.transaction(async (tx) => {
    const all = await parts.groups.create({ name: 'all', description: 'everything', hostIds: [], groupIds: [] }, tx);
    const web = await parts.groups.create({ name: 'web', hostIds: [], groupIds: [] }, tx);
    const web1 = await parts.hosts.create({ name: 'web1', description: 'front', tags: ['prod', 'eu'] }, tx);
    const web2 = await parts.hosts.create({ name: 'web2', tags: [] }, tx);
    const db1 = await parts.hosts.create({ name: 'db1', tags: ['prod'] }, tx);
    await parts.groups.update(web, { name: 'web', description: '', hostIds: [web1, web2], groupIds: [] }, tx);
    await parts.groups.update(all, { name: 'all', description: 'everything', hostIds: [db1], groupIds: [web] }, tx);
    const cpu = await parts.checks.create({ name: 'cpu', hostIds: [db1], groupIds: [web], plugins: [{ pluginId: 'io.prophasis.cpu-load', params: { warn: 80, crit: 95 } }], flapLowPercent: 10, flapHighPercent: 40 }, tx);
    const http = await parts.checks.create({ name: 'http', hostIds: [], groupIds: [web], plugins: [{ pluginId: 'com.acme.http', params: { url: 'https://shop.example/' } }] }, tx);
    await parts.schedules.create({ name: 'every minute', enabled: true, checkIds: [cpu, http], intervals: [{ start: 0, everyMs: 60_000 }] }, tx);
    const shop = await parts.services.create({ name: 'shop', description: 'the web shop', dependencies: [{ kind: 'host', id: db1 }], redundancyGroups: [{ name: 'front', members: [{ kind: 'host', id: web1 }, { kind: 'host', id: web2 }] }] }, tx);
    await parts.alerts.create(
      {
        name: 'pager',
        enabled: true,
        fromStates: ['ok'],
        toStates: ['major', 'critical'],
        scopes: { hostIds: [db1], groupIds: [web], serviceIds: [shop], checkIds: [cpu], pluginIds: ['com.acme.http'] },
        module: 'webhook',
        settings: { url: 'https://hooks.example/p', token: SECRETS.PROPHASIS_SECRET_ALERT_PAGER_TOKEN, headers: { 'X-Api-Key': SECRETS.PROPHASIS_SECRET_ALERT_PAGER_HEADERS_X_API_KEY, 'X-Team': 'ops' } },
        repeatMinutes: 30,
        escalations: [{ afterMinutes: 15, module: 'email', settings: { to: ['boss@example.com'] } }],
      },
      tx,
    );
    // Classifier overrides, as the classifier routes store them (after their compile check).
    const cpuPlugin = (await db.models.Plugin.findOne({ where: { pluginId: 'io.prophasis.cpu-load' }, transaction: tx }))!.id;
    const httpPlugin = (await db.models.Plugin.findOne({ where: { pluginId: 'com.acme.http' }, transaction: tx }))!.id;
    await db.models.ClassifierOverride.create({ pluginId: cpuPlugin, scopeKind: 'check', checkId: cpu, code: 'return arrayMax(values) > 90 and "major" or "ok"' }, { transaction: tx });
    await db.models.ClassifierOverride.create({ pluginId: httpPlugin, scopeKind: 'group', groupId: web, code: 'return "ok"' }, { transaction: tx });
    await parts.alerts.create({ name: 'mail ops', enabled: false, fromStates: ['ok', 'minor'], toStates: ['major'], module: 'email', settings: { to: 'ops@example.com' } }, tx);
  });
  await databaseTemplateStore(db).put('webhook', { subject: '[{{to}}] {{target.name}}', text: 'Now {{to}}.' }, 'alice', 1);
  await createSilence(db, { name: 'patch night', comment: 'weekly patches', kind: 'weekly', timeZone: 'Europe/Berlin', startTime: '22:00', endTime: '23:30', weekdays: [3], scopes: { hostIds: [], groupIds: [2], serviceIds: [], checkIds: [], pluginIds: [] } }, 'alice', 1);
  await createSilence(db, { name: 'db move', comment: '', kind: 'once', startsAt: 4_000_000_000_000, endsAt: 4_000_003_600_000, scopes: { hostIds: [3], groupIds: [], serviceIds: [], checkIds: [], pluginIds: ['com.acme.http'] } }, 'alice', 1);
  const rules = createSequelizeFleetStore(db);
  await rules.createRule({ name: 'web hosts', hostnamePattern: 'web-*', platform: 'linux', groupIds: [2], stop: true }, 1);
  await rules.createRule({ name: 'everything else', groupIds: [1], stop: false }, 1);
  await writeSettings(db, { maxLatenessMs: 120_000, retentionRawDays: 14 });
  await db.models.Setting.upsert({ key: 'smtp', value: { host: 'mail.example', port: 587, secure: false, user: 'prophasis', from: 'monitor@example' }, updatedAt: 1 });
  await db.models.Setting.upsert({ key: 'smtpPassword', value: SECRETS.PROPHASIS_SECRET_SMTP_PASSWORD, updatedAt: 1 });
}

const count = async (db: Database, table: string) => Number((await db.sequelize.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${table}`, { type: QueryTypes.SELECT }))[0]!.n);

/** The refusal of `promise`: its code and `details.path`. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; path: string; message: string; cause?: string }> {
  try {
    await promise;
  } catch (err) {
    if (!isProphasisError(err)) throw err;
    const details = err.details as { path?: string; cause?: string } | undefined;
    return { code: err.code, path: details?.path ?? '', message: err.message, ...(details?.cause ? { cause: details.cause } : {}) };
  }
  assert.fail('expected a refusal');
}

for (const dialect of DIALECTS) {
  describe(`configuration as code (${dialect}, issue #20)`, function () {
    this.timeout(60_000);
    let source: TestDatabase;
    let target: TestDatabase;
    let from: ConfigAsCode;
    let to: ConfigAsCode;
    const opened: ConfigParts[] = [];
    const partsOf = (db: Database) => {
      const parts = configAsCodeParts(db);
      opened.push(parts);
      return parts;
    };
    let exported: string;
    before(async () => {
      source = await openTestDatabase(dialect, { prefix: 'prophasis_test_cac_src' });
      target = await openTestDatabase(dialect, { prefix: 'prophasis_test_cac_dst' });
      await seedPlugins(source.db);
      await seedPlugins(target.db);
      await populate(source.db);
      from = createConfigAsCode(partsOf(source.db), { env: {} });
      to = createConfigAsCode(partsOf(target.db), { env: SECRETS });
      exported = await from.exportYaml();
    });
    after(async () => {
      for (const parts of opened) await parts.close();
      await source?.cleanup();
      await target?.cleanup();
    });

    it('exports every kind by name, sorted, with version 1 first and secrets as references only', () => {
      assert.match(exported, /^version: 1\n/);
      for (const secret of Object.values(SECRETS)) assert.ok(!exported.includes(secret), `the value of a secret is in the export: ${secret}`);
      const doc = parse(exported) as Record<string, { name?: string }[]> & { settings: Record<string, unknown> };
      assert.deepEqual(Object.keys(doc), ['version', 'settings', 'hostGroups', 'hosts', 'pluginApprovals', 'checks', 'classifierOverrides', 'schedules', 'services', 'alerts', 'alertTemplates', 'silences', 'registrationRules']);
      assert.deepEqual(doc.hosts!.map((h) => h.name), ['db1', 'web1', 'web2']);
      assert.deepEqual(doc.hosts![1], { name: 'web1', description: 'front', groups: ['web'], tags: ['eu', 'prod'] });
      assert.deepEqual(doc.hostGroups![1], { name: 'web', description: '', groups: ['all'] });
      assert.deepEqual(doc.pluginApprovals, [{ plugin: 'com.acme.http', version: '1.2.0', capabilities: ['net.connect'] }], 'site approvals are every core\'s own, not configuration');
      const pager = (doc.alerts as unknown as { name: string; settings: Record<string, unknown>; scopes: unknown }[]).find((a) => a.name === 'pager')!;
      assert.deepEqual(pager.settings, { headers: { 'X-Api-Key': '${secret:ALERT_PAGER_HEADERS_X_API_KEY}', 'X-Team': 'ops' }, token: '${secret:ALERT_PAGER_TOKEN}', url: 'https://hooks.example/p' });
      assert.deepEqual(pager.scopes, { hosts: ['db1'], groups: ['web'], services: ['shop'], checks: ['cpu'], plugins: ['com.acme.http'] });
      assert.equal(doc.settings.smtpPassword, '${secret:SMTP_PASSWORD}');
      assert.equal(doc.settings.maxLatenessMs, 120_000);
      assert.deepEqual(doc.registrationRules!.map((r) => r.name), ['web hosts', 'everything else'], 'rules keep the order they apply in');
      assert.deepEqual(doc.classifierOverrides, [
        { plugin: 'com.acme.http', group: 'web', code: 'return "ok"' },
        { plugin: 'io.prophasis.cpu-load', check: 'cpu', code: 'return arrayMax(values) > 90 and "major" or "ok"' },
      ]);
      assert.ok(!/\bid: \d|Ids:/.test(exported), 'no database ids');
    });

    it('a dry run on an empty core lists every create and writes nothing', async () => {
      const result = await to.apply(exported, { dryRun: true, prune: false, actor: 'test' });
      assert.equal(result.dryRun, true);
      assert.equal(result.changed, true);
      assert.ok(result.changes.some((c) => c.action === 'create' && c.kind === 'hosts' && c.name === 'web1'));
      assert.ok(result.changes.some((c) => c.action === 'update' && c.kind === 'settings'));
      assert.equal(result.changes.filter((c) => c.action === 'delete').length, 0);
      for (const table of ['hosts', 'host_groups', 'checks', 'alerts', 'silences', 'registration_rules', 'alert_templates']) assert.equal(await count(target.db, table), 0, table);
    });

    it('applies to an empty core in one go; its export is the same file byte for byte; secrets come from the environment', async () => {
      const result = await to.apply(exported, { dryRun: false, prune: false, actor: 'test' });
      assert.equal(result.changed, true);
      assert.equal(result.changes.filter((c) => c.action === 'create' && c.kind === 'hosts').length, 3);
      assert.equal(await to.exportYaml(), exported);
      const [alert] = await target.db.models.Alert.findAll({ where: { name: 'pager' } });
      assert.equal((alert!.settings as { token: string }).token, SECRETS.PROPHASIS_SECRET_ALERT_PAGER_TOKEN);
      const password = await target.db.models.Setting.findByPk('smtpPassword');
      assert.equal(password?.value, SECRETS.PROPHASIS_SECRET_SMTP_PASSWORD);
      const version = await target.db.models.PluginVersion.findOne({ where: { version: '1.2.0' } });
      assert.deepEqual(version?.approvedCapabilities, ['net.connect']);
      assert.equal(version?.approvedBy, 'test');
    });

    it('applying the same file again changes nothing and says so; without the secrets in the environment the core keeps its own', async () => {
      const again = await to.apply(exported, { dryRun: false, prune: false, actor: 'test' });
      assert.equal(again.changed, false);
      assert.deepEqual(again.changes, []);
      const blind = createConfigAsCode(partsOf(target.db), { env: {} });
      const kept = await blind.apply(exported, { dryRun: false, prune: false, actor: 'test' });
      assert.equal(kept.changed, false);
      assert.ok(kept.notes.some((n) => n.includes('PROPHASIS_SECRET_ALERT_PAGER_TOKEN')), kept.notes.join('\n'));
    });

    it('without --prune nothing is deleted; with it, what the file does not name goes, and an update says which fields', async () => {
      const doc = parse(exported) as Record<string, { name: string; tags?: string[] }[]>;
      doc.hosts = doc.hosts!.filter((h) => h.name !== 'web2');
      doc.hosts.find((h) => h.name === 'db1')!.tags = ['prod', 'primary'];
      doc.silences = [];
      // The service's redundancy group named web2: without it the file would refer to a host it deletes.
      const shop = (doc.services as unknown as { redundancyGroups: { members: { host: string }[] }[] }[])[0]!;
      shop.redundancyGroups[0]!.members = [{ host: 'web1' }];
      const text = (await import('yaml')).stringify(doc);
      const kept = await to.apply(text, { dryRun: false, prune: false, actor: 'test' });
      assert.equal(kept.changes.filter((c) => c.action === 'delete').length, 0);
      assert.deepEqual(kept.changes.find((c) => c.kind === 'hosts'), { action: 'update', kind: 'hosts', name: 'db1', fields: ['tags'] });
      assert.equal(await count(target.db, 'silences'), 2);
      const pruned = await to.apply(text, { dryRun: false, prune: true, actor: 'test' });
      assert.deepEqual(
        pruned.changes.filter((c) => c.action === 'delete').map((c) => `${c.kind} ${c.name}`).sort(),
        ['hosts web2', 'silences db move', 'silences patch night'],
      );
      assert.equal(await target.db.models.Host.count({ where: { name: 'web2' } }), 0);
      assert.equal(await count(target.db, 'silences'), 0);
      assert.equal((await to.apply(text, { dryRun: false, prune: true, actor: 'test' })).changed, false, 'a pruned core is in step with its file');
    });

    it('refuses to export (and to apply silences to) a core where two silences share a name', async () => {
      const scopes = { hostIds: [], groupIds: [], serviceIds: [], checkIds: [], pluginIds: ['com.acme.http'] };
      await createSilence(target.db, { name: 'twin', comment: '', kind: 'once', startsAt: 4_100_000_000_000, endsAt: 4_100_000_001_000, scopes }, 'alice', 1);
      await createSilence(target.db, { name: 'twin', comment: '', kind: 'once', startsAt: 4_200_000_000_000, endsAt: 4_200_000_001_000, scopes }, 'alice', 1);
      const refused = await refusal(to.exportYaml());
      assert.equal(refused.code, 'CORE_CONFIG_NOT_EXPORTABLE');
      assert.match(refused.message, /"twin"/);
      assert.equal((await refusal(to.apply('version: 1\nsilences: []\n', { dryRun: false, prune: true, actor: 'test' }))).path, 'silences');
      await target.db.sequelize.query("DELETE FROM silences WHERE name = 'twin'");
    });

    describe('refusals: the place in the file is named and nothing changes', () => {
      let before: string;
      beforeEach(async () => {
        before = await to.exportYaml();
      });
      afterEach(async () => {
        assert.equal(await to.exportYaml(), before, 'the refused file changed the core');
      });
      const apply = (text: string, prune = false) => refusal(to.apply(text, { dryRun: false, prune, actor: 'test' }));

      it('YAML syntax, with its line', async () => {
        const r = await apply('version: 1\nhosts:\n  - name: [unclosed\n');
        assert.equal(r.code, 'CORE_CONFIG_INVALID');
        assert.match(r.message, /YAML syntax at line \d+/);
      });
      it('a file of another version, or no mapping at all', async () => {
        assert.equal((await apply('version: 2\n')).path, 'version');
        assert.equal((await apply('- just\n- a list\n')).code, 'CORE_CONFIG_INVALID');
      });
      it('an unknown kind', async () => {
        const r = await apply('version: 1\nwidgets: []\n');
        assert.equal(r.path, 'widgets');
        assert.match(r.message, /unknown kind/);
      });
      it('an unknown field and a bad value', async () => {
        assert.deepEqual([(await apply('version: 1\nhosts:\n  - name: x\n    colour: red\n')).path], ['hosts[0].colour']);
        assert.equal((await apply('version: 1\nschedules:\n  - name: s\n    intervals: [{ start: 0, everyMs: 5 }]\n')).path, 'schedules[0].intervals[0].everyMs');
      });
      it('a name used twice', async () => {
        const r = await apply('version: 1\nhosts:\n  - name: x\n  - name: x\n');
        assert.equal(r.path, 'hosts[1].name');
      });
      it('a reference to a missing plugin, group, host or check', async () => {
        assert.equal((await apply('version: 1\nchecks:\n  - name: c\n    plugins: [{ plugin: com.nowhere.nothing }]\n')).path, 'checks[0].plugins[0].plugin');
        assert.equal((await apply('version: 1\nhosts:\n  - name: x\n    groups: [nosuch]\n')).path, 'hosts[0].groups[0]');
        assert.equal((await apply('version: 1\nschedules:\n  - name: s\n    checks: [cpu, nope]\n    intervals: [{ start: 0, everyMs: 60000 }]\n')).path, 'schedules[0].checks[1]');
        assert.equal((await apply('version: 1\nregistrationRules:\n  - name: r\n    groups: [ghosts]\n')).path, 'registrationRules[0].groups[0]');
        assert.equal((await apply('version: 1\nservices:\n  - name: s\n    dependencies: [{ host: db1 }, { group: nowhere }]\n')).path, 'services[0].dependencies[1].group');
      });
      it('with --prune, a reference to an object the file would delete', async () => {
        const r = await apply('version: 1\nhosts:\n  - name: lonely\nchecks:\n  - name: c\n    hosts: [db1]\n', true);
        assert.equal(r.path, 'checks[0].hosts[0]');
      });
      it('a plugin version this core does not have, or capabilities other than requested', async () => {
        assert.equal((await apply('version: 1\npluginApprovals:\n  - { plugin: com.acme.http, version: 9.9.9, capabilities: [] }\n')).path, 'pluginApprovals[0].version');
        assert.equal((await apply('version: 1\npluginApprovals:\n  - { plugin: com.acme.http, version: 1.2.0, capabilities: [exec:/bin/sh] }\n')).path, 'pluginApprovals[0].capabilities');
      });
      it('a secret that nothing resolves for a new object', async () => {
        const r = await apply('version: 1\nalerts:\n  - name: new hook\n    fromStates: [ok]\n    toStates: [major]\n    scopes: { hosts: [db1] }\n    module: webhook\n    settings: { url: "https://x.example/", token: "${secret:NEW_HOOK}" }\n');
        assert.equal(r.code, 'CORE_CONFIG_SECRET_MISSING');
        assert.equal(r.path, 'alerts[0].settings.token');
        assert.match(r.message, /PROPHASIS_SECRET_NEW_HOOK/);
      });
      it("the features' own refusals (module settings, a group cycle, flap thresholds), named at the object, after earlier writes were made", async () => {
        const settings = await apply('version: 1\nhosts:\n  - name: fresh\nalerts:\n  - name: bad hook\n    fromStates: [ok]\n    toStates: [major]\n    scopes: { hosts: [fresh] }\n    module: webhook\n    settings: { format: json }\n');
        assert.equal(settings.path, 'alerts[0]');
        assert.equal(settings.cause, 'CORE_ALERT_INVALID_SETTINGS');
        const cycle = await apply('version: 1\nhostGroups:\n  - name: web\n    groups: [web2g]\n  - name: web2g\n    groups: [web]\n');
        assert.equal(cycle.cause, 'CORE_GROUP_CYCLE');
        assert.match(cycle.path, /^hostGroups/);
        const flap = await apply('version: 1\nhosts:\n  - name: fresh\nchecks:\n  - name: c\n    hosts: [fresh]\n    flapLowPercent: 50\n    flapHighPercent: 10\n');
        assert.equal(flap.path, 'checks[0]');
        assert.equal(await target.db.models.Host.count({ where: { name: 'fresh' } }), 0, 'the host created before the refusal was rolled back');
      });
      it('a classifier override without exactly one scope, for a missing check, or that does not compile', async () => {
        assert.equal((await apply('version: 1\nclassifierOverrides:\n  - { plugin: com.acme.http, check: cpu, host: db1, code: return "ok" }\n')).path, 'classifierOverrides[0]');
        assert.equal((await apply('version: 1\nclassifierOverrides:\n  - { plugin: com.acme.http, check: nope, code: return "ok" }\n')).path, 'classifierOverrides[0].check');
        const lua = await apply('version: 1\nclassifierOverrides:\n  - { plugin: com.acme.http, host: db1, code: "return (" }\n');
        assert.equal(lua.path, 'classifierOverrides[0]');
        assert.match(lua.message, /does not compile/);
      });
      it('an unknown setting, a bad setting value, a template that does not render, a silence without its window', async () => {
        assert.equal((await apply('version: 1\nsettings: { colour: red }\n')).path, 'settings.colour');
        assert.equal((await apply('version: 1\nsettings: { retentionRawDays: 0 }\n')).path, 'settings');
        assert.equal((await apply('version: 1\nsettings: { smtp: { port: 99999 } }\n')).path, 'settings.smtp.port');
        assert.equal((await apply('version: 1\nalertTemplates:\n  - { module: webhook, subject: "{{#open}}", text: x }\n')).path, 'alertTemplates[0]');
        assert.equal((await apply('version: 1\nalertTemplates:\n  - { module: pigeon, subject: x, text: x }\n')).path, 'alertTemplates[0].module');
        assert.equal((await apply('version: 1\nsilences:\n  - { name: s, kind: weekly, timeZone: Mars/Olympus, startTime: "01:00", endTime: "02:00", weekdays: [1], scopes: { hosts: [db1] } }\n')).path, 'silences[0].timeZone');
      });
    });
  });
}
