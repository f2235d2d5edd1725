import { isProphasisError, SmtpSettings, type ConfigChange, type ConfigDocument } from '@prophasis/protocol';
import { Value } from '@sinclair/typebox/value';
import { QueryTypes } from 'sequelize';
import { writeSettings, type Settings } from '../db/index.js';
import { setParents } from '../dependencies/index.js';
import { canonical, changedFields, keyOf } from './document.js';
import { ConfigErrors } from './errors.js';
import { applyCheckSecrets, resolveSecrets } from './secrets.js';
import type { CurrentState } from './state.js';
import { KINDS, type ConfigParts, type Entry, type ListKind, type SecretEnv, type Tx } from './types.js';

interface ApplyOptions {
  prune: boolean;
  /** Where `${secret:NAME}` is looked up (`PROPHASIS_SECRET_NAME`). */
  env: SecretEnv;
  /** Who applies: `approved_by` of plugin approvals, `updated_by` of templates. */
  actor: string;
  now: number;
}

interface Applied {
  changes: ConfigChange[];
  notes: string[];
  /** The API resources whose `config.changed` must follow (alerting, plans, service health). */
  touched: Set<string>;
}

/** Which `config.changed` resource each kind moves (http/changes.ts). */
const RESOURCE: Partial<Record<ListKind | 'settings', string>> = {
  settings: 'settings',
  hostGroups: 'groups',
  hosts: 'hosts',
  pluginApprovals: 'plugins',
  checks: 'checks',
  // The dispatcher's snapshot holds the overrides; a change of checks reloads it.
  classifierOverrides: 'checks',
  schedules: 'schedules',
  services: 'services',
  alerts: 'alerts',
};

const invalid = (path: string, why: string, extra: object = {}) => ConfigErrors.INVALID(`${path}: ${why}`, { path, ...extra });

/** Runs one write of the object at `path` in the file; a refusal is reported at that path, with the feature's own reason and code. */
async function at<T>(path: string, write: () => Promise<T> | T): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isProphasisError(err) || err.code.startsWith('CORE_CONFIG_')) throw err;
    const field = (err.details as { field?: string } | undefined)?.field;
    throw ConfigErrors.INVALID(`${path}: ${err.message}`, { path, field, cause: err.code });
  }
}

const LIST_KINDS = KINDS.filter((k): k is ListKind => k !== 'settings');

/**
 * Compares the file with the core's configuration and writes the difference inside `tx`
 * (the caller's one transaction): creates and updates of every kind in the file, and with
 * `prune` the deletes of the objects of those kinds that the file does not name. Every
 * refusal names its place in the file; the caller rolls the transaction back on any error.
 */
export async function applyDocument(parts: ConfigParts, file: ConfigDocument, current: CurrentState, options: ApplyOptions, tx: Tx): Promise<Applied> {
  const { db } = parts;
  const changes: ConfigChange[] = [];
  const notes: string[] = [];
  const touched = new Set<string>();
  const present = (kind: ListKind) => file[kind] !== undefined;
  const entries = <K extends ListKind>(kind: K) => (file[kind] ?? []) as Entry<K>[];
  const currentOf = <K extends ListKind>(kind: K) => new Map((current.doc[kind] as Entry<K>[]).map((e) => [keyOf(kind, e), e]));

  // ── 1. Names used twice in the file ───────────────────────────────────────────────────────
  for (const kind of LIST_KINDS) {
    const seen = new Map<string, number>();
    entries(kind).forEach((e, i) => {
      const key = keyOf(kind, e);
      const field = kind === 'alertTemplates' ? '.module' : kind === 'pluginApprovals' ? '.version' : kind === 'classifierOverrides' ? '' : '.name';
      if (seen.has(key)) throw invalid(`${kind}[${i}]${field}`, `${JSON.stringify(key)} is named twice in the file (also ${kind}[${seen.get(key)}])`);
      seen.set(key, i);
    });
  }
  entries('classifierOverrides').forEach((o, i) => {
    const scopes = [o.check, o.host, o.group].filter((s) => s !== undefined).length;
    if (scopes !== 1) throw invalid(`classifierOverrides[${i}]`, `name exactly one of check, host, group (the scope whose ${o.plugin} results the classifier judges)`);
  });
  for (const kind of ['silences', 'registrationRules'] as const) {
    const twice = current.duplicates[kind];
    if (twice.length > 0 && present(kind)) throw invalid(kind, `this core has several ${kind} named ${twice.map((n) => JSON.stringify(n)).join(', ')}; rename them in the console first`);
  }

  // ── 2. Secrets and the desired objects ───────────────────────────────────────────────────
  const currentAlerts = currentOf('alerts');
  const desired: { [K in ListKind]: Entry<K>[] } = Object.fromEntries(LIST_KINDS.map((k) => [k, entries(k).map((e) => canonical[k](e as never))])) as never;
  desired.alerts = desired.alerts.map((a, i) => {
    const was = currentAlerts.get(a.name);
    return canonical.alerts({
      ...a,
      settings: resolveSecrets(a.settings, was?.settings, `alerts[${i}].settings`, options.env, notes) as Record<string, unknown>,
      escalations: a.escalations.map((s, j) => ({ ...s, settings: resolveSecrets(s.settings, was?.escalations[j]?.settings, `alerts[${i}].escalations[${j}].settings`, options.env, notes) as Record<string, unknown> })),
    });
  });

  // ── 3. References: to objects in the file, or kept in the core (not pruned) ──────────────
  const universe = (kind: ListKind) => new Set([...entries(kind).map((e) => keyOf(kind, e)), ...(present(kind) && options.prune ? [] : [...currentOf(kind).keys()])]);
  const names = { hosts: universe('hosts'), hostGroups: universe('hostGroups'), checks: universe('checks'), services: universe('services') };
  const what = { hosts: 'host', hostGroups: 'host group', checks: 'check', services: 'service' } as const;
  /** Each name of `list` must name an object of `kind`; `indexed`: the path of each is `path[j]`, else `path`. */
  const refs = (path: string, list: readonly string[], kind: keyof typeof names, indexed = true) =>
    list.forEach((n, j) => {
      if (!names[kind].has(n)) throw invalid(indexed ? `${path}[${j}]` : path, `no ${what[kind]} named ${JSON.stringify(n)} in the file${options.prune && present(kind) ? '' : ' or in this core'}`);
    });
  const plugin = (path: string, id: string) => {
    if (!current.plugins.has(id)) throw invalid(path, `no plugin ${id} in this core (install or upload it first; plugins come from signed bundles, not from this file)`);
  };
  const member = (path: string, m: { host: string } | { group: string }) => ('host' in m ? refs(`${path}.host`, [m.host], 'hosts', false) : refs(`${path}.group`, [m.group], 'hostGroups', false));
  const scopeRefs = (path: string, s: Entry<'alerts'>['scopes']) => {
    refs(`${path}.hosts`, s.hosts, 'hosts');
    refs(`${path}.groups`, s.groups, 'hostGroups');
    refs(`${path}.services`, s.services, 'services');
    refs(`${path}.checks`, s.checks, 'checks');
    s.plugins.forEach((p, j) => plugin(`${path}.plugins[${j}]`, p));
  };
  entries('hosts').forEach((h, i) => {
    refs(`hosts[${i}].groups`, h.groups, 'hostGroups');
    refs(`hosts[${i}].parents`, h.parents ?? [], 'hosts');
  });
  entries('hostGroups').forEach((g, i) => refs(`hostGroups[${i}].groups`, g.groups, 'hostGroups'));
  entries('checks').forEach((c, i) => {
    refs(`checks[${i}].hosts`, c.hosts, 'hosts');
    refs(`checks[${i}].groups`, c.groups, 'hostGroups');
    c.plugins.forEach((p, j) => plugin(`checks[${i}].plugins[${j}].plugin`, p.plugin));
  });
  entries('classifierOverrides').forEach((o, i) => {
    plugin(`classifierOverrides[${i}].plugin`, o.plugin);
    if (o.check !== undefined) refs(`classifierOverrides[${i}].check`, [o.check], 'checks', false);
    if (o.host !== undefined) refs(`classifierOverrides[${i}].host`, [o.host], 'hosts', false);
    if (o.group !== undefined) refs(`classifierOverrides[${i}].group`, [o.group], 'hostGroups', false);
  });
  entries('schedules').forEach((s, i) => refs(`schedules[${i}].checks`, s.checks, 'checks'));
  entries('services').forEach((s, i) => {
    s.dependencies.forEach((m, j) => member(`services[${i}].dependencies[${j}]`, m));
    s.redundancyGroups.forEach((g, j) => g.members.forEach((m, k) => member(`services[${i}].redundancyGroups[${j}].members[${k}]`, m)));
  });
  entries('alerts').forEach((a, i) => scopeRefs(`alerts[${i}].scopes`, a.scopes));
  entries('silences').forEach((s, i) => scopeRefs(`silences[${i}].scopes`, s.scopes));
  entries('registrationRules').forEach((r, i) => refs(`registrationRules[${i}].groups`, r.groups, 'hostGroups'));
  entries('pluginApprovals').forEach((a, i) => {
    plugin(`pluginApprovals[${i}].plugin`, a.plugin);
    const version = current.versions.get(`${a.plugin}@${a.version}`);
    if (!version) throw invalid(`pluginApprovals[${i}].version`, `plugin ${a.plugin} has no version ${a.version} in this core (upload or install it first)`);
    const want = [...version.requested].sort();
    if (JSON.stringify(want) !== JSON.stringify([...a.capabilities].sort())) {
      throw invalid(`pluginApprovals[${i}].capabilities`, `must be exactly what ${a.plugin} ${a.version} requests: [${want.join(', ')}]`);
    }
  });
  const modules = parts.templates.modules();
  entries('alertTemplates').forEach((t, i) => {
    if (!modules.includes(t.module)) throw invalid(`alertTemplates[${i}].module`, `no alert module ${t.module} (known: ${modules.join(', ')})`);
  });

  // ── 4. The changes ───────────────────────────────────────────────────────────────────────
  const plan = new Map<ListKind, { create: number[]; update: number[]; remove: string[] }>();
  for (const kind of LIST_KINDS) {
    if (!present(kind)) continue;
    const have = currentOf(kind);
    const p = { create: [] as number[], update: [] as number[], remove: [] as string[] };
    (desired[kind] as Entry<typeof kind>[]).forEach((e, i) => {
      const key = keyOf(kind, e);
      const was = have.get(key);
      if (!was) {
        p.create.push(i);
        changes.push({ action: 'create', kind, name: key });
        return;
      }
      const fields = changedFields(was, e);
      if (fields.length > 0) {
        p.update.push(i);
        changes.push({ action: 'update', kind, name: key, fields });
      }
    });
    // Approvals are never withdrawn by a file: that stops the plugin on every agent (the console's Plugins page does it).
    if (options.prune && kind !== 'pluginApprovals') {
      const named = new Set((desired[kind] as Entry<typeof kind>[]).map((e) => keyOf(kind, e)));
      for (const key of have.keys()) {
        if (named.has(key)) continue;
        p.remove.push(key);
        changes.push({ action: 'delete', kind, name: key });
      }
    }
    plan.set(kind, p);
    if (p.create.length + p.update.length + p.remove.length > 0 && RESOURCE[kind]) touched.add(RESOURCE[kind]);
  }

  // Settings: the keys the file gives; smtp merged field by field; smtpPassword only through a secret.
  let settingsChange: Record<string, unknown> | undefined;
  if (file.settings) {
    const have = current.doc.settings as Record<string, unknown>;
    const known = new Set([...Object.keys(have), 'smtpPassword']);
    const next: Record<string, unknown> = { ...have };
    for (const [key, value] of Object.entries(file.settings)) {
      if (!known.has(key)) throw invalid(`settings.${key}`, `unknown setting (known: ${[...known].join(', ')})`);
      if (key === 'smtp') {
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid('settings.smtp', 'must be a mapping of host, port, secure, user, from');
        next.smtp = { ...(have.smtp as object), ...value };
        const wrong = [...Value.Errors(SmtpSettings, next.smtp)][0];
        if (wrong) throw invalid(`settings.smtp${wrong.path.replaceAll('/', '.')}`, /unexpected property/i.test(wrong.message) ? 'unknown field' : wrong.message);
      } else next[key] = key === 'smtpPassword' ? resolveSecrets(value, have.smtpPassword, 'settings.smtpPassword', options.env, notes) : value;
    }
    const fields = changedFields(have, next);
    if (fields.length > 0) {
      settingsChange = Object.fromEntries(fields.map((f) => [f, next[f]]));
      changes.push({ action: 'update', kind: 'settings', name: 'settings', fields });
      touched.add('settings');
    }
  }

  // Registration rules apply in the file's order; the rules the file does not name (kept) follow.
  const ruleOrder = (() => {
    if (!present('registrationRules')) return undefined;
    const named = desired.registrationRules.map((r) => r.name);
    const kept = options.prune ? [] : current.doc.registrationRules.map((r) => r.name).filter((n) => !named.includes(n));
    const order = [...named, ...kept];
    const p = plan.get('registrationRules')!;
    if (p.create.length + p.remove.length === 0 && JSON.stringify(order) !== JSON.stringify(current.doc.registrationRules.map((r) => r.name))) {
      changes.push({ action: 'update', kind: 'registrationRules', name: '(order)', fields: ['order'] });
    }
    return order;
  })();

  if (changes.length === 0) return { changes, notes, touched };

  // ── 5. The writes, in dependency order ───────────────────────────────────────────────────
  const ids = { ...current.ids, hostGroups: new Map(current.ids.hostGroups), hosts: new Map(current.ids.hosts), checks: new Map(current.ids.checks), services: new Map(current.ids.services), classifierOverrides: new Map(current.ids.classifierOverrides) };
  const idOf = (map: Map<string, number>, name: string) => map.get(name)!;
  const writeEach = async <K extends ListKind>(kind: K, write: (e: Entry<K>, path: string, id: number | undefined) => Promise<number | void>) => {
    const p = plan.get(kind);
    if (!p) return;
    for (const i of [...p.create, ...p.update].sort((a, b) => a - b)) {
      const e = desired[kind][i] as Entry<K>;
      const map = (ids as Record<string, Map<string, number> | undefined>)[kind];
      const id = await at(`${kind}[${i}]`, () => write(e, `${kind}[${i}]`, map?.get(keyOf(kind, e))));
      if (map && typeof id === 'number') map.set(keyOf(kind, e), id);
    }
  };

  if (settingsChange) {
    const { smtp, smtpPassword, ...core } = settingsChange;
    await at('settings', () => writeSettings(db, core as Partial<Settings>, { transaction: tx }));
    for (const [key, value] of Object.entries({ smtp, smtpPassword })) {
      if (value !== undefined) await db.models.Setting.upsert({ key, value, updatedAt: options.now }, { transaction: tx });
    }
  }

  // Groups first without members, then hosts, then every group's members at once.
  await writeEach('hostGroups', async (g, _path, id) => (id === undefined ? parts.groups.create({ name: g.name, description: g.description ?? '', hostIds: [], groupIds: [] }, tx) : undefined));
  await writeEach('hosts', async (h, _path, id) => {
    const input = { name: h.name, description: h.description ?? '', tags: h.tags };
    if (id === undefined) return parts.hosts.create(input, tx);
    await parts.hosts.update(id, input, tx);
  });
  await writeParents();
  await writeMemberships();

  await writeEach('pluginApprovals', async (a) => {
    const version = current.versions.get(`${a.plugin}@${a.version}`)!;
    await db.models.PluginVersion.update({ approvedCapabilities: [...version.requested], approvedBy: options.actor, approvedAt: options.now }, { where: { id: version.id }, transaction: tx });
  });
  await writeEach('checks', async (c, path, id) => {
    const input = {
      name: c.name,
      description: c.description ?? '',
      hostIds: c.hosts.map((n) => idOf(ids.hosts, n)),
      groupIds: c.groups.map((n) => idOf(ids.hostGroups, n)),
      plugins: c.plugins.map((p, j) => ({ pluginId: p.plugin, params: applyCheckSecrets(p.params ?? {}, `${path}.plugins[${j}].params`, options.env, notes) })),
      flapLowPercent: c.flapLowPercent ?? null,
      flapHighPercent: c.flapHighPercent ?? null,
    };
    if (id === undefined) return parts.checks.create(input, tx);
    await parts.checks.update(id, input, tx);
  });
  await writeEach('classifierOverrides', async (o, _path, id) => {
    await parts.checkClassifier(o.code);
    if (id !== undefined) {
      await db.models.ClassifierOverride.update({ code: o.code }, { where: { id }, transaction: tx, individualHooks: true });
      return id;
    }
    const scope =
      o.check !== undefined
        ? { scopeKind: 'check' as const, checkId: idOf(ids.checks, o.check) }
        : o.host !== undefined
          ? { scopeKind: 'host' as const, hostId: idOf(ids.hosts, o.host) }
          : { scopeKind: 'group' as const, groupId: idOf(ids.hostGroups, o.group!) };
    return (await db.models.ClassifierOverride.create({ pluginId: current.plugins.get(o.plugin)!, ...scope, code: o.code }, { transaction: tx })).id;
  });
  await writeEach('schedules', async (s, _path, id) => {
    const input = { name: s.name, description: s.description ?? '', enabled: s.enabled, checkIds: s.checks.map((n) => idOf(ids.checks, n)), intervals: s.intervals };
    if (id === undefined) return parts.schedules.create(input, tx);
    await parts.schedules.update(id, input, tx);
  });
  const memberOf = (m: { host: string } | { group: string }) => ('host' in m ? { kind: 'host' as const, id: idOf(ids.hosts, m.host) } : { kind: 'group' as const, id: idOf(ids.hostGroups, m.group) });
  await writeEach('services', async (s, _path, id) => {
    const input = { name: s.name, description: s.description ?? '', dependencies: s.dependencies.map(memberOf), redundancyGroups: s.redundancyGroups.map((g) => ({ name: g.name, members: g.members.map(memberOf) })) };
    if (id === undefined) return parts.services.create(input, tx);
    await parts.services.update(id, input, tx);
  });
  const scopeIds = (s: Entry<'alerts'>['scopes']) => ({
    hostIds: s.hosts.map((n) => idOf(ids.hosts, n)),
    groupIds: s.groups.map((n) => idOf(ids.hostGroups, n)),
    serviceIds: s.services.map((n) => idOf(ids.services, n)),
    checkIds: s.checks.map((n) => idOf(ids.checks, n)),
    pluginIds: s.plugins,
  });
  await writeEach('alerts', async (a, _path, id) => {
    const input = {
      name: a.name,
      enabled: a.enabled,
      fromStates: a.fromStates,
      toStates: a.toStates,
      scopes: scopeIds(a.scopes),
      module: a.module,
      settings: a.settings,
      ...(a.repeatMinutes != null ? { repeatMinutes: a.repeatMinutes } : {}),
      escalations: a.escalations,
    };
    if (id === undefined) return parts.alerts.create(input, tx);
    await parts.alerts.update(id, input, tx);
  });
  await writeEach('alertTemplates', async (t) => {
    parts.templates.check(t.module, { subject: t.subject, text: t.text, html: t.html });
    await db.sequelize.query(
      `INSERT INTO alert_templates (module, subject, text, html, updated_at, updated_by) VALUES (:module, :subject, :text, :html, :at, :by)
       ON CONFLICT (module) DO UPDATE SET subject = excluded.subject, text = excluded.text, html = excluded.html, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      { replacements: { module: t.module, subject: t.subject, text: t.text, html: t.html, at: options.now, by: options.actor }, transaction: tx },
    );
  });
  await writeEach('silences', async (s, path, id) => {
    checkSilence(s, path);
    const once = s.kind === 'once';
    const values = {
      name: s.name,
      comment: s.comment,
      kind: s.kind,
      startsAt: once ? s.startsAt! : null,
      endsAt: once ? s.endsAt! : null,
      timeZone: once ? null : s.timeZone!,
      startTime: once ? null : s.startTime!,
      endTime: once ? null : s.endTime!,
      weekdays: s.kind === 'weekly' ? JSON.stringify(s.weekdays) : null,
      scopes: JSON.stringify(scopeIds(s.scopes)),
      by: options.actor,
      now: options.now,
      id: id ?? null,
    };
    const sql =
      id === undefined
        ? `INSERT INTO silences (name, comment, kind, starts_at, ends_at, time_zone, start_time, end_time, weekdays, scopes, created_by, created_at)
           VALUES (:name, :comment, :kind, :startsAt, :endsAt, :timeZone, :startTime, :endTime, :weekdays, :scopes, :by, :now)`
        : `UPDATE silences SET name = :name, comment = :comment, kind = :kind, starts_at = :startsAt, ends_at = :endsAt, time_zone = :timeZone,
           start_time = :startTime, end_time = :endTime, weekdays = :weekdays, scopes = :scopes WHERE id = :id`;
    await db.sequelize.query(sql, { replacements: values, transaction: tx });
  });
  await writeEach('registrationRules', async (r, _path, id) => {
    if (r.hostnamePattern) parts.checkHostnamePattern(r.hostnamePattern);
    const values = { name: r.name, pattern: r.hostnamePattern ?? null, platform: r.platform ?? null, arch: r.arch ?? null, stop: r.stop, now: options.now, id: id ?? null };
    let ruleId = id;
    if (ruleId === undefined) {
      const insert = `INSERT INTO registration_rules (name, position, hostname_pattern, platform, arch, stop, created_at, updated_at)
        VALUES (:name, (SELECT COALESCE(MAX(position), 0) + 1 FROM registration_rules), :pattern, :platform, :arch, :stop, :now, :now)`;
      await db.sequelize.query(insert, { replacements: values, transaction: tx });
      const [row] = await db.sequelize.query<{ id: unknown }>('SELECT MAX(id) AS id FROM registration_rules WHERE name = :name', { type: QueryTypes.SELECT, replacements: values, transaction: tx });
      ruleId = Number(row!.id);
    } else {
      await db.sequelize.query('UPDATE registration_rules SET name = :name, hostname_pattern = :pattern, platform = :platform, arch = :arch, stop = :stop, updated_at = :now WHERE id = :id', { replacements: values, transaction: tx });
    }
    await db.sequelize.query('DELETE FROM registration_rule_groups WHERE rule_id = :ruleId', { replacements: { ruleId }, transaction: tx });
    for (const name of r.groups) {
      await db.sequelize.query('INSERT INTO registration_rule_groups (rule_id, group_id) VALUES (:ruleId, :groupId)', { replacements: { ruleId, groupId: idOf(ids.hostGroups, name) }, transaction: tx });
    }
    return ruleId;
  });

  // ── 6. Prune: what depends on others goes first ──────────────────────────────────────────
  const removeRow = async (resource: ConfigParts['hosts'] | ConfigParts['groups'] | ConfigParts['checks'] | ConfigParts['schedules'] | ConfigParts['services'] | ConfigParts['alerts'], id: number) => {
    if (resource.remove) return resource.remove(id, tx);
    const row = await resource.model.findByPk(id, { transaction: tx });
    await row?.destroy({ transaction: tx });
  };
  const prune = async (kind: ListKind, remove: (key: string) => Promise<void>) => {
    for (const key of plan.get(kind)?.remove ?? []) await at(`${kind} (${key})`, () => remove(key));
  };
  await prune('registrationRules', (name) => db.sequelize.query('DELETE FROM registration_rules WHERE id = :id', { replacements: { id: current.ids.registrationRules.get(name) }, transaction: tx }).then(() => {}));
  await prune('silences', (name) => db.sequelize.query('DELETE FROM silences WHERE id = :id', { replacements: { id: current.ids.silences.get(name) }, transaction: tx }).then(() => {}));
  await prune('alertTemplates', (module) => db.sequelize.query('DELETE FROM alert_templates WHERE module = :module', { replacements: { module }, transaction: tx }).then(() => {}));
  await prune('alerts', (name) => removeRow(parts.alerts, current.ids.alerts.get(name)!));
  await prune('services', (name) => removeRow(parts.services, current.ids.services.get(name)!));
  await prune('schedules', (name) => removeRow(parts.schedules, current.ids.schedules.get(name)!));
  await prune('classifierOverrides', async (key) => {
    await db.models.ClassifierOverride.destroy({ where: { id: current.ids.classifierOverrides.get(key)! }, transaction: tx });
  });
  await prune('checks', (name) => removeRow(parts.checks, current.ids.checks.get(name)!));
  await prune('hosts', (name) => removeRow(parts.hosts, current.ids.hosts.get(name)!));
  await prune('hostGroups', (name) => removeRow(parts.groups, current.ids.hostGroups.get(name)!));

  if (ruleOrder) {
    const order = ruleOrder.map((n) => (ids.registrationRules as Map<string, number>).get(n)).filter((id): id is number => id !== undefined);
    for (const [i, id] of order.entries()) await db.sequelize.query('UPDATE registration_rules SET position = :position WHERE id = :id', { replacements: { position: i + 1, id }, transaction: tx });
  }
  return { changes, notes, touched };

  /**
   * The parents of the hosts the file creates or changes (docs/devices.md, "Dependencies"): all
   * of them cleared first, then set one by one, so a file that turns a chain around is checked
   * for cycles as a whole; a cycle or an unknown parent is refused at `hosts[i].parents`.
   */
  async function writeParents(): Promise<void> {
    const p = plan.get('hosts');
    if (!p) return;
    const changed = [...p.create, ...p.update].sort((a, b) => a - b);
    const idOfHost = (name: string) => ids.hosts.get(name)!;
    for (const i of changed) await db.sequelize.query('DELETE FROM host_parents WHERE host_id = ?', { replacements: [idOfHost(desired.hosts[i]!.name)], transaction: tx });
    for (const i of changed) {
      const h = desired.hosts[i]!;
      if ((h.parents ?? []).length === 0) continue;
      await at(`hosts[${i}].parents`, () => setParents(db, idOfHost(h.name), (h.parents ?? []).map(idOfHost), tx));
    }
  }

  /**
   * Every group's direct members as the file wants them: the hosts and groups of the file that
   * name it, and the members the file does not mention (unless they are pruned). Child links
   * of the groups that change are cleared first, so that a file that turns nesting around is
   * checked for cycles as a whole, not half way.
   */
  async function writeMemberships(): Promise<void> {
    if (!present('hosts') && !present('hostGroups')) return;
    const fileHosts = new Map(desired.hosts.map((h) => [h.name, h]));
    const fileGroups = new Map(desired.hostGroups.map((g) => [g.name, g]));
    const prunedHosts = new Set(plan.get('hosts')?.remove ?? []);
    const prunedGroups = new Set(plan.get('hostGroups')?.remove ?? []);
    const hostName = new Map([...ids.hosts].map(([n, id]) => [id, n]));
    const groupName = new Map([...ids.hostGroups].map(([n, id]) => [id, n]));
    const updates: { id: number; path: string; input: { name: string; description: string; hostIds: number[]; groupIds: number[] } }[] = [];
    for (const [name, id] of ids.hostGroups) {
      if (prunedGroups.has(name)) continue;
      const was = current.groups.get(id);
      const keptHosts = (was?.hostIds ?? []).map((h) => hostName.get(h)!).filter((n) => !fileHosts.has(n) && !prunedHosts.has(n));
      const keptGroups = (was?.groupIds ?? []).map((g) => groupName.get(g)!).filter((n) => !fileGroups.has(n) && !prunedGroups.has(n));
      const hostsIn = present('hosts') ? [...desired.hosts.filter((h) => h.groups.includes(name)).map((h) => h.name), ...keptHosts] : (was?.hostIds ?? []).map((h) => hostName.get(h)!);
      const groupsIn = present('hostGroups') ? [...desired.hostGroups.filter((g) => g.groups.includes(name)).map((g) => g.name), ...keptGroups] : (was?.groupIds ?? []).map((g) => groupName.get(g)!);
      const description = fileGroups.get(name)?.description ?? was?.description ?? '';
      const input = { name, description, hostIds: hostsIn.map((n) => idOf(ids.hosts, n)).sort((a, b) => a - b), groupIds: groupsIn.map((n) => idOf(ids.hostGroups, n)).sort((a, b) => a - b) };
      const same = was && was.description === description && JSON.stringify([...was.hostIds].sort((a, b) => a - b)) === JSON.stringify(input.hostIds) && JSON.stringify([...was.groupIds].sort((a, b) => a - b)) === JSON.stringify(input.groupIds);
      const index = desired.hostGroups.findIndex((g) => g.name === name);
      if (!same) updates.push({ id, path: index >= 0 ? `hostGroups[${index}]` : `hostGroups (${name})`, input });
    }
    if (updates.length === 0) return;
    await db.models.HostGroupGroup.destroy({ where: { parentId: updates.map((u) => u.id) }, transaction: tx });
    for (const u of updates) await at(u.path, () => parts.groups.update(u.id, u.input, tx));
  }
}

/** A silence's window as its kind needs it (the API's rules: docs/alerts.md, "Silences and maintenance windows"). */
function checkSilence(s: Entry<'silences'>, path: string): void {
  const bad = (field: string, why: string) => invalid(`${path}.${field}`, why);
  if (s.kind === 'once') {
    if (s.startsAt === undefined) throw bad('startsAt', 'a one-off silence needs a start (epoch ms)');
    if (s.endsAt === undefined) throw bad('endsAt', 'a one-off silence needs an end (epoch ms)');
    if (s.endsAt <= s.startsAt) throw bad('endsAt', 'must be after startsAt (the window would be empty)');
  } else {
    if (!s.timeZone) throw bad('timeZone', 'a recurring window needs an IANA time zone such as Europe/Berlin');
    try {
      new Intl.DateTimeFormat('en', { timeZone: s.timeZone });
    } catch {
      throw bad('timeZone', `unknown time zone ${JSON.stringify(s.timeZone)}`);
    }
    if (!s.startTime) throw bad('startTime', 'a recurring window needs a start time (HH:MM)');
    if (!s.endTime) throw bad('endTime', 'a recurring window needs an end time (HH:MM)');
    if (s.startTime === s.endTime) throw bad('endTime', 'equals startTime (the window would be empty)');
    if (s.kind === 'weekly' && !s.weekdays?.length) throw bad('weekdays', 'a weekly window needs at least one weekday (1 = Monday … 7 = Sunday)');
  }
  const sc = s.scopes;
  if (sc.hosts.length + sc.groups.length + sc.services.length + sc.checks.length + sc.plugins.length === 0) throw bad('scopes', 'name at least one host, group, service, check or plugin');
}
