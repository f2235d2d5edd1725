import Mustache from 'mustache';
import { AlertErrors } from './errors.js';
import { noticeReason, REASONS, headline, type Notice } from './message.js';
import type { AlertNotice } from './types.js';

/*
 * Notification templates (docs/alerts.md, "Templates"): Mustache (logic-less; the maintained
 * `mustache` package), one set per alert module. The subject, the plain-text body and a command's
 * texts are rendered WITHOUT escaping (they are not HTML); an e-mail's HTML body is rendered with
 * Mustache's HTML escaping and may not use the unescaped forms `{{{x}}}` / `{{&x}}`, because values
 * come from plugins on monitored machines. A template is checked when it is saved (syntax, known
 * variables and sections, no partials), so sending never meets one that does not render.
 */

/**
 * Our own writer with a bounded parse cache: Mustache's default writer caches every template it
 * ever parsed, and the console's live preview sends a new variant at every pause in typing, so a
 * long-running core would keep them all. The stored templates (a few) stay cached.
 */
const writer = new Mustache.Writer();
const CACHE_ENTRIES = 64;
const parsed = new Map<string, string>();
// The writer's cache is undeclared in @types/mustache; mustache.js documents it (set/get/clear).
(writer as Mustache.Writer & { templateCache: Mustache.TemplateCache }).templateCache = {
  set(key, value) {
    parsed.delete(key);
    parsed.set(key, value);
    if (parsed.size > CACHE_ENTRIES) parsed.delete(parsed.keys().next().value!);
  },
  get: (key) => parsed.get(key),
  clear: () => parsed.clear(),
};

/** The parts of a notification an administrator can write. */
export type TemplateField = 'subject' | 'text' | 'html';
export type TemplateSet = Record<TemplateField, string>;

/** Which parts each module sends; modules not listed send a subject and a text. */
const MODULE_FIELDS: Readonly<Record<string, readonly TemplateField[]>> = {
  email: ['subject', 'text', 'html'],
  webhook: ['subject', 'text'],
  command: ['subject', 'text'],
};

export function templateFields(module: string): readonly TemplateField[] {
  return MODULE_FIELDS[module] ?? ['subject', 'text'];
}

/** Longest source accepted per field (characters). */
const MAX_LENGTH: Readonly<Record<TemplateField, number>> = { subject: 1000, text: 20_000, html: 50_000 };

/** The default subject: `[TEST] REPEAT LATE web1 cpu-load: ok → major`, as message.ts renders it. */
const DEFAULT_SUBJECT = '{{#test}}[TEST] {{/test}}{{reasonPrefix}}{{#late}}LATE {{/late}}{{headline}}';

/** The default body: message.ts's text, then the action links (or why there are none). */
const DEFAULT_TEXT = `{{#test}}
This is a test message from Prophasis; no state changed.

{{/test}}
{{#reachability}}
{{headline}}.

{{/reachability}}
Alert: {{alert.name}}
{{#host}}
Host: {{host}}
{{/host}}
{{#service}}
Service: {{service}}
{{/service}}
{{#plugin}}
Plugin: {{plugin.name}} ({{plugin.pluginId}})
{{/plugin}}
{{#check}}
Check: {{check.name}}
{{/check}}
Change: {{from}} → {{to}}{{changeNote}}
{{#agent}}
Agent: {{agent}}
{{/agent}}
{{#valueText}}
Value: {{valueText}}
{{/valueText}}
Time: {{at}}
{{#late}}
{{#result}}
Measured: {{result.measuredAt}}; received: {{result.receivedAt}}
{{/result}}
{{/late}}
Why: {{why}}
{{#causesText}}
Caused by: {{causesText}}
{{/causesText}}
{{#link}}
Console: {{link}}
{{/link}}
{{#actions}}
Acknowledge: {{actions.acknowledge}}
Mute 1 h: {{actions.mute1h}}
Mute until ok: {{actions.muteUntilOk}}
{{/actions}}
{{#actionsUnavailable}}
Actions: {{actionsUnavailable}}
{{/actionsUnavailable}}
{{#late}}

{{lateText}}
{{/late}}
`;

/** The built-in templates: what every module sends until an administrator edits it. An empty HTML body sends no HTML part. */
export const DEFAULT_TEMPLATES: Readonly<TemplateSet> = Object.freeze({ subject: DEFAULT_SUBJECT, text: DEFAULT_TEXT, html: '' });

/** The action links of one notification (docs/alerts.md, "Action links"). */
export interface ActionUrls {
  acknowledge: string;
  mute1h: string;
  muteUntilOk: string;
}

/**
 * A variable templates may use: its name (dotted for a field of an object), what it holds, and
 * its fields when it is an object or a list (usable inside its section).
 */
interface VariableSpec {
  description: string;
  fields?: Readonly<Record<string, VariableSpec>>;
  /** A list: its fields exist only inside its section (`{{#causes}}{{plugin}}{{/causes}}`). */
  list?: true;
}

const leaf = (description: string): VariableSpec => ({ description });

/** Every variable of the view, for the checker and the console's list (GET /api/alert-templates). */
const VARIABLES: Readonly<Record<string, VariableSpec>> = {
  alert: { description: 'the alert rule', fields: { id: leaf('its id'), name: leaf('its name') } },
  target: { description: 'the host or service whose state changed', fields: { kind: leaf('host or service'), id: leaf('its id'), name: leaf('its name') } },
  host: leaf("the host's name (empty for a service)"),
  service: leaf("the service's name (empty for a host)"),
  plugin: { description: "the plugin, for a plugin's change on a host (absent otherwise)", fields: { id: leaf('its row id'), pluginId: leaf('its reverse-DNS id'), name: leaf('its name') } },
  check: { description: 'the check that ran the plugin (absent otherwise)', fields: { id: leaf('its id'), name: leaf('its name') } },
  from: leaf('the severity before'),
  to: leaf('the severity after'),
  changeNote: leaf("' (its agent is unreachable)' / ' (its agent is back)' for a change caused by the agent"),
  agent: leaf("when the agent was last heard from, for a host made unreachable or reachable again (empty otherwise)"),
  reachability: { description: "set when the host's agent went away or came back", fields: { kind: leaf('unreachable or reachable'), since: leaf('since when (ISO 8601)') } },
  value: leaf("the result's value with the plugin's unit (empty without one)"),
  valueText: leaf("value and the plugin's message joined by ' — '"),
  result: {
    description: 'the result that changed the state, for a plugin change',
    fields: { value: leaf('the number'), unit: leaf("the plugin's unit"), message: leaf("the plugin's message"), measuredAt: leaf('when it was measured (ISO 8601)'), receivedAt: leaf('when the core received it (ISO 8601)') },
  },
  at: leaf('when the change happened (ISO 8601, UTC)'),
  atMs: leaf('the same in epoch milliseconds'),
  late: leaf('set when the change was delivered after the agent reconnected'),
  lateText: leaf('the sentence explaining a late change'),
  test: leaf('set for the Test action'),
  reason: leaf('why it was sent: transition, repeat, escalation, maintenance-ended, dependency-ended, flapping-started, flapping-stopped, unreachable'),
  why: leaf('the reason in words'),
  reasonPrefix: leaf("'REPEAT ', 'ESCALATED ', 'AFTER MAINTENANCE ', 'AFTER PARENT RECOVERED ', 'FLAPPING ', 'FLAPPING STOPPED ' or empty"),
  causedBy: { description: 'the parent host that was down and held this notice back (a dependency-ended notice; absent otherwise)', fields: { hostId: leaf('its id'), name: leaf('its name') } },
  headline: leaf("'web1 cpu-load: ok → major', or 'web1 is unreachable (…)'"),
  causes: { description: "for a host's own change: the plugin changes that caused it (a list)", list: true, fields: { plugin: leaf("the plugin's name"), from: leaf('before'), to: leaf('after') } },
  causesText: leaf("the causes in one line: 'cpu-load ok → major; disk ok → minor'"),
  link: leaf("the host's or service's page in the console (empty without the console's address)"),
  actions: {
    description: 'the signed action links of this notification (absent for a change to ok, a test, or without the console address)',
    fields: { acknowledge: leaf('Acknowledge'), mute1h: leaf('Mute for 1 hour'), muteUntilOk: leaf('Mute until ok') },
  },
  actionsUnavailable: leaf('why a problem notification carries no action links (the console address is not set), else empty'),
  deliveryId: leaf('the delivery id, the same on every attempt (empty for a test)'),
  subject: leaf('the rendered subject (in the text and HTML bodies)'),
};

/** The variables as the API lists them: `plugin.name`, what it holds. */
export function templateVariables(): { name: string; description: string }[] {
  const out: { name: string; description: string }[] = [];
  const walk = (prefix: string, specs: Readonly<Record<string, VariableSpec>>) => {
    for (const [name, spec] of Object.entries(specs)) {
      // An object or a list is used as a section (`{{#plugin}}…{{/plugin}}`), its fields by name.
      out.push({ name: `${prefix}${spec.fields ? '#' : ''}${name}`, description: spec.description });
      // A list's fields are named as inside its section: `causes[].plugin` is `{{#causes}}{{plugin}}{{/causes}}`.
      if (spec.fields) walk(`${prefix}${name}${spec.list ? '[]' : ''}.`, spec.fields);
    }
  };
  walk('', VARIABLES);
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The values a template sees for one notice (the names of {@link VARIABLES}). */
export function noticeView(n: Notice, actions: { urls: ActionUrls | null; unavailable: string }): Record<string, unknown> {
  const r = n.reachability ?? null;
  const v = n.result ?? null;
  const value = v && v.value !== null ? `${v.value}${v.unit ? ` ${v.unit}` : ''}` : '';
  const reason = noticeReason(n);
  return {
    alert: n.alert,
    target: n.target,
    host: n.target.kind === 'host' ? n.target.name : '',
    service: n.target.kind === 'service' ? n.target.name : '',
    plugin: n.plugin,
    check: n.check ?? null,
    from: n.from,
    to: n.to,
    changeNote: r ? (r.kind === 'unreachable' ? ' (its agent is unreachable)' : ' (its agent is back)') : '',
    agent:
      r?.kind === 'unreachable'
        ? `last heard from ${r.lastSeen !== null ? iso(r.lastSeen) : 'never'}; unreachable since ${iso(r.since)}, when its grace period ran out`
        : r?.kind === 'reachable'
          ? `connected again at ${iso(r.since)}`
          : '',
    reachability: r ? { kind: r.kind, since: iso(r.since) } : null,
    value,
    valueText: v && (v.value !== null || v.message) ? [value, v.message ?? ''].filter((part) => part !== '').join(' — ') : '',
    result: v ? { value: v.value, unit: v.unit ?? '', message: v.message ?? '', measuredAt: iso(v.measuredAt), receivedAt: iso(v.receivedAt) } : null,
    at: iso(n.at),
    atMs: n.at,
    late: n.late,
    lateText: n.late ? `LATE: this change happened at ${iso(n.at)} and was delivered after the agent reconnected.` : '',
    test: n.test,
    reason,
    why: REASONS[reason].why,
    reasonPrefix: REASONS[reason].prefix,
    causedBy: n.causedBy ?? undefined,
    headline: headline(n),
    causes: n.causes,
    causesText: n.causes.map((c) => `${c.plugin} ${c.from} → ${c.to}`).join('; '),
    link: n.link ?? '',
    actions: actions.urls,
    actionsUnavailable: actions.urls ? '' : actions.unavailable,
    deliveryId: n.deliveryId ?? '',
  };
}

/** What a module sends: its rendered texts and the links they carry. */
export interface RenderedMessage {
  subject: string;
  text: string;
  /** The HTML body of an e-mail; null when the module has none or its template is empty. */
  html: string | null;
  actions: ActionUrls | null;
}

/** A message's subject and text as kept in the history: every `/act/<token>` cut to `/act/… (link not kept)`. */
export function keptTexts(m: RenderedMessage): { subject: string; text: string } {
  const cut = (s: string) => s.replace(/\/act\/[A-Za-z0-9._:~-]+/g, '/act/… (link not kept)');
  return { subject: cut(m.subject), text: cut(m.text) };
}

type Token = [string, string, number, number, Token[]?, number?];

/** `at 42` in Mustache's messages, as `line 3`. */
function withLine(message: string, source: string): string {
  return message.replace(/ at (\d+)$/, (_, pos: string) => ` on line ${source.slice(0, Number(pos)).split('\n').length}`);
}

/** A refusal inside {@link templateProblem}. */
class Refusal extends Error {}

/**
 * What is wrong with one template source, or undefined: it must parse, name only known
 * variables (in their sections, a list item's or object's fields too) and use no partials; an
 * HTML body must escape everything.
 */
function templateProblem(source: string, kind: 'plain' | 'html'): string | undefined {
  const refuse = (why: string): never => {
    throw new Refusal(why);
  };
  try {
    let tokens: Token[];
    try {
      tokens = writer.parse(source) as unknown as Token[];
    } catch (err) {
      return withLine(err instanceof Error ? err.message : String(err), source);
    }
    const lineOf = (pos: number) => source.slice(0, pos).split('\n').length;
    const resolve = (name: string, scopes: readonly Readonly<Record<string, VariableSpec>>[]): VariableSpec | undefined => {
      const [head, ...rest] = name.split('.');
      for (let i = scopes.length - 1; i >= 0; i--) {
        const scope = scopes[i]!;
        if (!Object.hasOwn(scope, head!)) continue;
        let spec: VariableSpec | undefined = scope[head!];
        for (const part of rest) spec = spec?.fields && !spec.list && Object.hasOwn(spec.fields, part) ? spec.fields[part] : undefined;
        return spec;
      }
      return undefined;
    };
    const walk = (list: readonly Token[], scopes: readonly Readonly<Record<string, VariableSpec>>[]) => {
      for (const [type, name, start, , children] of list) {
        if (type === 'text' || type === '!' || type === '=') continue;
        if (type === '>') refuse(`partials ({{> ${name}}}) are not available, on line ${lineOf(start)}`);
        if (kind === 'html' && (type === '&' || type === '{')) {
          refuse(`the HTML body must escape every value: use {{${name}}}, not {{{${name}}}} or {{& ${name}}}, on line ${lineOf(start)}`);
        }
        const spec = name === '.' ? { description: 'the current item' } : resolve(name, scopes);
        if (!spec) refuse(`unknown ${type === '#' || type === '^' ? 'section' : 'variable'} "${name}" on line ${lineOf(start)}`);
        if ((type === '#' || type === '^') && children) walk(children, [...scopes, spec!.fields ?? {}]);
      }
    };
    walk(tokens, [VARIABLES]);
    return undefined;
  } catch (err) {
    if (err instanceof Refusal) return err.message;
    throw err;
  }
}

/**
 * Checks one template source (see {@link templateProblem}; a subject is one line, subject and
 * text are not empty). Refuses with `CORE_ALERT_INVALID_TEMPLATE` naming the field
 * (`details.field`) and the error.
 */
export function checkTemplate(field: TemplateField, source: string): void {
  const refuse = (why: string): never => {
    throw AlertErrors.INVALID_TEMPLATE(`${field}: ${why}`, { field, reason: why });
  };
  if (source.length > MAX_LENGTH[field]) refuse(`is longer than ${MAX_LENGTH[field]} characters`);
  if (field === 'subject' && /[\r\n]/.test(source)) refuse('must be one line');
  if (field !== 'html' && source.trim() === '') refuse('must not be empty');
  const problem = templateProblem(source, field === 'html' ? 'html' : 'plain');
  if (problem !== undefined) refuse(problem);
}

/** What is wrong with a command argument used as a template (`{{host}}`), or undefined. */
export function argumentProblem(source: string): string | undefined {
  return templateProblem(source, 'plain');
}

/** A command argument rendered for one notice: values as they are (no shell sees them). */
export function renderArgument(source: string, view: Record<string, unknown>): string {
  return writer.render(source, view, {}, { escape: plain });
}

/** Checks every field a module sends; the first refusal names its field. */
export function checkTemplates(module: string, set: TemplateSet): void {
  for (const field of templateFields(module)) checkTemplate(field, set[field]);
}

const plain = (s: unknown) => String(s);

/** One line: a subject never breaks a mail header or a chat title. */
const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

/**
 * Renders a module's templates for one notice: subject and text unescaped, the HTML body (e-mail)
 * HTML-escaped. The sources were checked when they were saved.
 */
export function renderTemplates(module: string, set: TemplateSet, view: Record<string, unknown>, actions: ActionUrls | null): RenderedMessage {
  const fields = templateFields(module);
  const subject = oneLine(writer.render(set.subject, view, {}, { escape: plain }));
  const withSubject = { ...view, subject };
  const text = writer.render(set.text, withSubject, {}, { escape: plain }).replace(/\n+$/, '');
  const html = fields.includes('html') && set.html.trim() !== '' ? writer.render(set.html, withSubject, {}, { escape: Mustache.escape }) : null;
  return { subject, text, html, actions };
}

/** A sample notice for previews: a disk filling up on web1, measured late. */
export function sampleNotice(now: number): AlertNotice {
  return {
    alert: { id: 1, name: 'Disks full' },
    target: { kind: 'host', id: 3, name: 'web1' },
    plugin: { id: 5, pluginId: 'io.prophasis.disk', name: 'disk' },
    from: 'ok',
    to: 'major',
    at: now,
    late: false,
    causes: [],
    test: false,
    reason: 'transition',
    check: { id: 7, name: 'Disks' },
    result: { value: 93.5, unit: '%', message: '/var is nearly full', measuredAt: now, receivedAt: now },
  };
}
