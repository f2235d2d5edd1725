import { CONFIG_DOCUMENT_VERSION, ConfigDocument, SEVERITIES } from '@prophasis/protocol';
import { Value } from '@sinclair/typebox/value';
import { parseDocument, stringify } from 'yaml';
import { ConfigErrors } from './errors.js';
import { KINDS, type Entry, type FullDocument, type ListKind } from './types.js';

/** `/checks/3/plugins/0/plugin` → `checks[3].plugins[0].plugin`. */
function pathOf(pointer: string): string {
  return pointer
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');
}

const invalid = (path: string, why: string) => ConfigErrors.INVALID(`${path || '(file)'}: ${why}`, { path: path || '(file)' });

/**
 * Reads a configuration file: YAML syntax (the first error with its line and column), then the
 * schema (the first error with its path in the file), defaults filled in. Nothing else is
 * checked here (names used twice and references are the apply's).
 */
export function parseConfig(text: string): ConfigDocument {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const at = syntax.linePos?.[0];
    const reason = syntax.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw ConfigErrors.INVALID(`YAML syntax${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${reason}`, { path: '(file)', line: at?.line, column: at?.col });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Alias bombs ("billion laughs") and the like: refused, never expanded.
    throw invalid('', `cannot be read: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('', `a configuration file is a mapping that starts with version: ${CONFIG_DOCUMENT_VERSION}`);
  const raw = value as Record<string, unknown>;
  if (raw.version !== CONFIG_DOCUMENT_VERSION) throw invalid('version', `must be ${CONFIG_DOCUMENT_VERSION} (this core reads version ${CONFIG_DOCUMENT_VERSION} files)`);
  for (const key of Object.keys(raw)) {
    if (key !== 'version' && !(KINDS as readonly string[]).includes(key)) throw invalid(key, `unknown kind (known: ${KINDS.join(', ')})`);
  }
  const withDefaults = Value.Default(ConfigDocument, structuredClone(raw));
  const first = [...Value.Errors(ConfigDocument, withDefaults)][0];
  if (first) {
    const unknownField = /unexpected property/i.test(first.message);
    throw invalid(pathOf(first.path), unknownField ? 'unknown field' : first.message.replace(/^Expected/, 'expected'));
  }
  return withDefaults as ConfigDocument;
}

/** The YAML text of a full document: `version: 1` first, then every kind in a fixed order. */
export function formatConfig(doc: FullDocument): string {
  const ordered: Record<string, unknown> = { version: CONFIG_DOCUMENT_VERSION };
  for (const kind of KINDS) ordered[kind] = doc[kind];
  return stringify(ordered, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}

/** Objects with their keys sorted, at every depth: parameters and settings compare and print the same whatever order they were written in. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const sorted = (xs: readonly string[] | undefined) => [...(xs ?? [])].sort();
const severityOrder = (xs: readonly string[]) => [...xs].sort((a, b) => SEVERITIES.indexOf(a as never) - SEVERITIES.indexOf(b as never));
type Member = { host: string } | { group: string };
const memberKey = (m: Member) => ('host' in m ? `h:${m.host}` : `g:${m.group}`);
const members = (ms: readonly Member[]) => [...ms].map((m) => ('host' in m ? { host: m.host } : { group: m.group })).sort((a, b) => (memberKey(a) < memberKey(b) ? -1 : 1));
const scopes = (s: Entry<'alerts'>['scopes']) => ({ hosts: sorted(s.hosts), groups: sorted(s.groups), services: sorted(s.services), checks: sorted(s.checks), plugins: sorted(s.plugins) });

/**
 * One object in its canonical form: every field present, in a fixed order, sets sorted. Export
 * writes this form and apply compares it, so a file read back equals what was written and an
 * apply of an unchanged file changes nothing.
 */
export const canonical: { [K in ListKind]: (e: Entry<K>) => Entry<K> } = {
  hostGroups: (e) => ({ name: e.name, description: e.description ?? '', groups: sorted(e.groups) }),
  // Parents only when there are some: files written before dependencies stay what they were.
  hosts: (e) => ({ name: e.name, description: e.description ?? '', groups: sorted(e.groups), tags: sorted(e.tags), ...(e.parents && e.parents.length > 0 ? { parents: sorted(e.parents) } : {}) }),
  pluginApprovals: (e) => ({ plugin: e.plugin, version: e.version, capabilities: sorted(e.capabilities) }),
  checks: (e) => ({
    name: e.name,
    description: e.description ?? '',
    hosts: sorted(e.hosts),
    groups: sorted(e.groups),
    plugins: [...e.plugins].map((p) => ({ plugin: p.plugin, params: sortKeys(p.params ?? {}) as NonNullable<typeof p.params> })).sort((a, b) => (a.plugin < b.plugin ? -1 : 1)),
    flapLowPercent: e.flapLowPercent ?? null,
    flapHighPercent: e.flapHighPercent ?? null,
  }),
  classifierOverrides: (e) => ({
    plugin: e.plugin,
    ...(e.check !== undefined ? { check: e.check } : {}),
    ...(e.host !== undefined ? { host: e.host } : {}),
    ...(e.group !== undefined ? { group: e.group } : {}),
    code: e.code,
  }),
  schedules: (e) => ({
    name: e.name,
    description: e.description ?? '',
    enabled: e.enabled,
    checks: sorted(e.checks),
    intervals: [...e.intervals].map((i) => ({ start: i.start, everyMs: i.everyMs })).sort((a, b) => a.start - b.start || a.everyMs - b.everyMs),
  }),
  services: (e) => ({
    name: e.name,
    description: e.description ?? '',
    dependencies: members(e.dependencies),
    redundancyGroups: [...e.redundancyGroups].map((g) => ({ name: g.name, members: members(g.members) })).sort(byName),
  }),
  alerts: (e) => ({
    name: e.name,
    enabled: e.enabled,
    fromStates: severityOrder(e.fromStates) as never,
    toStates: severityOrder(e.toStates) as never,
    scopes: scopes(e.scopes),
    module: e.module,
    settings: sortKeys(e.settings) as Record<string, unknown>,
    repeatMinutes: e.repeatMinutes ?? null,
    escalations: e.escalations.map((s) => ({ afterMinutes: s.afterMinutes, module: s.module, settings: sortKeys(s.settings) as Record<string, unknown> })),
  }),
  alertTemplates: (e) => ({ module: e.module, subject: e.subject, text: e.text, html: e.html ?? '' }),
  silences: (e) => ({
    name: e.name,
    comment: e.comment,
    kind: e.kind,
    ...(e.kind === 'once' ? { startsAt: e.startsAt, endsAt: e.endsAt } : { timeZone: e.timeZone, startTime: e.startTime, endTime: e.endTime }),
    ...(e.kind === 'weekly' ? { weekdays: [...(e.weekdays ?? [])].sort((a, b) => a - b) } : {}),
    scopes: scopes(e.scopes),
  }),
  registrationRules: (e) => ({ name: e.name, hostnamePattern: e.hostnamePattern ?? null, platform: e.platform ?? null, arch: e.arch ?? null, groups: sorted(e.groups), stop: e.stop }),
};

/** `io.prophasis.cpu-load for check cpu`: a classifier override by its plugin and its one scope. */
function overrideKey(e: Entry<'classifierOverrides'>): string {
  const scope = e.check !== undefined ? `check ${e.check}` : e.host !== undefined ? `host ${e.host}` : `group ${e.group ?? ''}`;
  return `${e.plugin} for ${scope}`;
}

/** The stable name of an object of a kind: its name, a template's module, an approval's `plugin@version`. */
export function keyOf<K extends ListKind>(kind: K, e: Entry<K>): string {
  if (kind === 'alertTemplates') return (e as Entry<'alertTemplates'>).module;
  if (kind === 'pluginApprovals') return `${(e as Entry<'pluginApprovals'>).plugin}@${(e as Entry<'pluginApprovals'>).version}`;
  if (kind === 'classifierOverrides') return overrideKey(e as Entry<'classifierOverrides'>);
  return (e as { name: string }).name;
}

/** The fields in which two canonical objects differ (top-level keys). */
export function changedFields(a: object, b: object): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => JSON.stringify((a as Record<string, unknown>)[k]) !== JSON.stringify((b as Record<string, unknown>)[k]));
}
