import type { HostGroup as HostGroupApi } from '@prophasis/protocol';
import { Op, QueryTypes } from 'sequelize';
import { readSettings } from '../db/index.js';
import { canonical, keyOf, sortKeys } from './document.js';
import { exportCheckSecrets } from './secrets.js';
import type { ConfigParts, Entry, FullDocument, Tx } from './types.js';

/** `approved_by` of versions every core approves by itself (first-party, inherited): not configuration. */
const AUTOMATIC_APPROVAL = /^(site|inherited:.*)$/;
const SMTP_DEFAULTS = { host: '', port: 587, secure: false, user: '', from: '' };

/** The configuration a core holds, read in one transaction: the document (secrets as values) and the rows behind its names. */
export interface CurrentState {
  doc: FullDocument;
  /** Row ids by name, per kind. */
  ids: { hostGroups: Map<string, number>; hosts: Map<string, number>; checks: Map<string, number>; classifierOverrides: Map<string, number>; schedules: Map<string, number>; services: Map<string, number>; alerts: Map<string, number>; silences: Map<string, number>; registrationRules: Map<string, number> };
  /** Every host group as the groups resource presents it (direct members: hosts and child groups). */
  groups: Map<number, HostGroupApi>;
  /** Plugin row ids by reverse-DNS id. */
  plugins: Map<string, number>;
  /** Every stored plugin version (`plugin@version`) with what it requests. */
  versions: Map<string, { id: number; requested: string[] }>;
  /** Names used by more than one silence or registration rule (the file names them by name; the database does not make names unique). */
  duplicates: { silences: string[]; registrationRules: string[] };
}

const parseJson = <T>(v: unknown, fallback: T): T => {
  if (v == null) return fallback;
  if (typeof v !== 'string') return v as T;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
};
const twice = (names: string[]) => [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
const byName = <T extends { name: string }>(xs: T[]) => xs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

interface SilenceRowRaw {
  id: unknown;
  name: string;
  comment: string;
  kind: string;
  starts_at: unknown;
  ends_at: unknown;
  time_zone: string | null;
  start_time: string | null;
  end_time: string | null;
  weekdays: unknown;
  scopes: unknown;
}

/** Reads the whole configuration inside `tx`, through the features' own resources where they exist. */
export async function readState(parts: ConfigParts, tx: Tx): Promise<CurrentState> {
  const { db } = parts;
  const select = <T extends object>(sql: string) => db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, transaction: tx });
  const all = async <A>(resource: { model: ConfigParts['hosts']['model']; present(rows: never[], tx?: Tx): Promise<A[]> }) =>
    resource.present((await resource.model.findAll({ transaction: tx, order: [['name', 'ASC'], ['id', 'ASC']] })) as never[], tx);

  const groups = await all(parts.groups);
  const hosts = await all(parts.hosts);
  const checks = await all(parts.checks);
  const schedules = await all(parts.schedules);
  const services = await all(parts.services);
  const alerts = await all(parts.alerts);
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  const hostName = new Map(hosts.map((h) => [h.id, h.name]));
  const parentsOf = new Map<number, string[]>();
  for (const r of await select<{ host_id: number; parent_id: number }>('SELECT host_id, parent_id FROM host_parents')) {
    const list = parentsOf.get(Number(r.host_id)) ?? [];
    list.push(hostName.get(Number(r.parent_id)) ?? `#${r.parent_id}`);
    parentsOf.set(Number(r.host_id), list);
  }
  const checkName = new Map(checks.map((c) => [c.id, c.name]));
  const serviceName = new Map(services.map((s) => [s.id, s.name]));
  const names = (ids: readonly number[], map: Map<number, string>) => ids.map((id) => map.get(id) ?? `#${id}`);
  const member = (m: { kind: 'host' | 'group'; id: number }) => (m.kind === 'host' ? { host: hostName.get(m.id)! } : { group: groupName.get(m.id)! });

  const pluginRows = await db.models.Plugin.findAll({ transaction: tx, attributes: ['id', 'pluginId'] });
  const pluginOf = new Map(pluginRows.map((p) => [p.id, p.pluginId]));
  const versionRows = await db.models.PluginVersion.findAll({ transaction: tx, attributes: ['id', 'pluginId', 'version', 'requestedCapabilities', 'approvedCapabilities', 'approvedBy'] });
  const versions = new Map(versionRows.map((v) => [`${pluginOf.get(v.pluginId)}@${v.version}`, { id: v.id, requested: parseJson<string[]>(v.requestedCapabilities, []) }]));
  const approvals = versionRows
    .filter((v) => v.approvedBy != null && !AUTOMATIC_APPROVAL.test(v.approvedBy) && v.approvedCapabilities != null)
    .map((v) => canonical.pluginApprovals({ plugin: pluginOf.get(v.pluginId) ?? `#${v.pluginId}`, version: v.version, capabilities: parseJson<string[]>(v.approvedCapabilities, []) }))
    .sort((a, b) => (`${a.plugin}@${a.version}` < `${b.plugin}@${b.version}` ? -1 : 1));

  const overrideRows = await db.models.ClassifierOverride.findAll({ transaction: tx, attributes: ['id', 'pluginId', 'scopeKind', 'checkId', 'groupId', 'hostId', 'code'] });
  const overrides = overrideRows
    .map((o) => {
      const scope = o.scopeKind === 'check' ? { check: checkName.get(o.checkId!)! } : o.scopeKind === 'host' ? { host: hostName.get(o.hostId!)! } : { group: groupName.get(o.groupId!)! };
      const entry = canonical.classifierOverrides({ plugin: pluginOf.get(o.pluginId) ?? `#${o.pluginId}`, ...scope, code: o.code });
      return { id: o.id, key: keyOf('classifierOverrides', entry), entry };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const templates = await select<{ module: string; subject: string; text: string; html: string | null }>('SELECT module, subject, text, html FROM alert_templates ORDER BY module');

  // Silences made by hand or by a file; the one-problem mutes of notification links and ended silences are not configuration.
  const silenceRows = (await select<SilenceRowRaw>("SELECT * FROM silences WHERE ended_at IS NULL AND kind <> 'until-ok' ORDER BY name, id")).filter(
    (r) => !parseJson<{ problem?: string }>(r.scopes, {}).problem,
  );
  const silences = silenceRows.map((r) => {
    const s = { hostIds: [], groupIds: [], serviceIds: [], checkIds: [], pluginIds: [], ...parseJson<Partial<Record<string, (number | string)[]>>>(r.scopes, {}) } as Record<string, (number | string)[]>;
    const ids = (k: string) => (s[k] ?? []).map(Number);
    return canonical.silences({
      name: r.name,
      comment: r.comment ?? '',
      kind: r.kind as 'once' | 'daily' | 'weekly',
      ...(r.starts_at != null ? { startsAt: Number(r.starts_at) } : {}),
      ...(r.ends_at != null ? { endsAt: Number(r.ends_at) } : {}),
      ...(r.time_zone != null ? { timeZone: r.time_zone } : {}),
      ...(r.start_time != null ? { startTime: r.start_time } : {}),
      ...(r.end_time != null ? { endTime: r.end_time } : {}),
      ...(r.weekdays != null ? { weekdays: parseJson<number[]>(r.weekdays, []) } : {}),
      scopes: {
        hosts: names(ids('hostIds'), hostName),
        groups: names(ids('groupIds'), groupName),
        services: names(ids('serviceIds'), serviceName),
        checks: names(ids('checkIds'), checkName),
        plugins: (s.pluginIds ?? []).map(String),
      },
    });
  });

  const ruleRows = await select<{ id: unknown; name: string; hostname_pattern: string | null; platform: string | null; arch: string | null; stop: unknown }>('SELECT * FROM registration_rules ORDER BY position, id');
  const ruleGroups = await select<{ rule_id: unknown; group_id: unknown }>('SELECT rule_id, group_id FROM registration_rule_groups ORDER BY id');
  const rules = ruleRows.map((r) =>
    canonical.registrationRules({
      name: r.name,
      hostnamePattern: r.hostname_pattern,
      platform: r.platform,
      arch: r.arch,
      groups: names(ruleGroups.filter((g) => Number(g.rule_id) === Number(r.id)).map((g) => Number(g.group_id)), groupName),
      stop: r.stop === true || r.stop === 1 || r.stop === '1',
    }),
  );

  const settingRows = await db.models.Setting.findAll({ where: { key: { [Op.in]: ['smtp', 'smtpPassword'] } }, transaction: tx });
  // `smtp` may come back as JSON text (SQLite); the password is a plain string.
  const mail = new Map(settingRows.map((r) => [r.key, r.key === 'smtp' ? parseJson<unknown>(r.value, null) : r.value]));
  const smtpPassword = typeof mail.get('smtpPassword') === 'string' && mail.get('smtpPassword') !== '' ? (mail.get('smtpPassword') as string) : undefined;
  const smtp = { ...SMTP_DEFAULTS, ...((mail.get('smtp') as object | null) ?? {}) };
  const settings: Record<string, unknown> = {
    ...(await readSettings(db, { transaction: tx })),
    smtp: { host: smtp.host, port: smtp.port, secure: smtp.secure, user: smtp.user, from: smtp.from },
    ...(smtpPassword !== undefined ? { smtpPassword } : {}),
  };

  const doc: FullDocument = {
    version: 1,
    settings,
    hostGroups: byName(groups.map((g) => canonical.hostGroups({ name: g.name, description: g.description, groups: groups.filter((p) => p.groupIds.includes(g.id)).map((p) => p.name) }))),
    hosts: byName(hosts.map((h) => canonical.hosts({ name: h.name, description: h.description, groups: groups.filter((g) => g.hostIds.includes(h.id)).map((g) => g.name), tags: h.tags ?? [], parents: parentsOf.get(h.id) ?? [] }))),
    pluginApprovals: approvals,
    checks: byName(
      checks.map((c) =>
        canonical.checks({
          name: c.name,
          description: c.description,
          hosts: names(c.hostIds, hostName),
          groups: names(c.groupIds, groupName),
          plugins: c.plugins.map((p) => ({ plugin: p.pluginId, params: exportCheckSecrets(p.params, c.name, p.pluginId) })),
          flapLowPercent: c.flapLowPercent,
          flapHighPercent: c.flapHighPercent,
        }),
      ),
    ),
    classifierOverrides: overrides.map((o) => o.entry),
    schedules: byName(schedules.map((s) => canonical.schedules({ name: s.name, description: s.description, enabled: s.enabled, checks: names(s.checkIds, checkName), intervals: s.intervals }))),
    services: byName(
      services.map((s) =>
        canonical.services({
          name: s.name,
          description: s.description,
          dependencies: s.dependencies.map(member),
          redundancyGroups: s.redundancyGroups.map((g) => ({ name: g.name, members: g.members.map(member) })),
        }),
      ),
    ),
    alerts: byName(
      alerts.map((a) =>
        canonical.alerts({
          name: a.name,
          enabled: a.enabled,
          fromStates: a.fromStates,
          toStates: a.toStates,
          scopes: { hosts: names(a.scopes.hostIds, hostName), groups: names(a.scopes.groupIds, groupName), services: names(a.scopes.serviceIds, serviceName), checks: names(a.scopes.checkIds, checkName), plugins: a.scopes.pluginIds },
          module: a.module,
          settings: sortKeys(a.settings) as Record<string, unknown>,
          repeatMinutes: a.repeatMinutes ?? null,
          escalations: (a.escalations ?? []) as Entry<'alerts'>['escalations'],
        }),
      ),
    ),
    alertTemplates: templates.map((t) => canonical.alertTemplates({ module: t.module, subject: t.subject, text: t.text, html: t.html ?? '' })),
    silences,
    registrationRules: rules,
  };
  const idsOf = (rows: { id: number; name: string }[]) => new Map(rows.map((r) => [r.name, r.id]));
  return {
    doc,
    ids: {
      hostGroups: idsOf(groups),
      hosts: idsOf(hosts),
      checks: idsOf(checks),
      classifierOverrides: new Map(overrides.map((o) => [o.key, o.id])),
      schedules: idsOf(schedules),
      services: idsOf(services),
      alerts: idsOf(alerts),
      silences: new Map(silenceRows.map((r) => [r.name, Number(r.id)])),
      registrationRules: new Map(ruleRows.map((r) => [r.name, Number(r.id)])),
    },
    groups: new Map(groups.map((g) => [g.id, g])),
    plugins: new Map(pluginRows.map((p) => [p.pluginId, p.id])),
    versions,
    duplicates: { silences: twice(silenceRows.map((r) => r.name)), registrationRules: twice(ruleRows.map((r) => r.name)) },
  };
}
