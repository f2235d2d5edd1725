import assert from 'node:assert/strict';
import Mustache from 'mustache';
import { isProphasisError } from '@prophasis/protocol';
import { AlertErrors } from './errors.js';
import { renderSubject, renderText, testNotice } from './message.js';
import { checkTemplate, checkTemplates, DEFAULT_TEMPLATES, noticeView, renderTemplates, sampleNotice, templateVariables, type ActionUrls, type TemplateField } from './templates.js';
import type { AlertNotice } from './types.js';

const AT = Date.UTC(2026, 11, 7, 10, 6, 31);
const base: AlertNotice = { alert: { id: 1, name: 'Pager' }, target: { kind: 'host', id: 3, name: 'web-1' }, plugin: null, from: 'ok', to: 'major', at: AT, late: false, causes: [], test: false };
const plugin = { id: 5, pluginId: 'io.prophasis.disk', name: 'disk' };
const links: ActionUrls = { acknowledge: 'https://mon.example.com/act/a', mute1h: 'https://mon.example.com/act/b', muteUntilOk: 'https://mon.example.com/act/c' };
const none = { urls: null, unavailable: '' };
const render = (n: AlertNotice, actions: { urls: ActionUrls | null; unavailable: string } = none, set = DEFAULT_TEMPLATES, module = 'email') =>
  renderTemplates(module, set, noticeView(n, actions), actions.urls);

/** Every shape of notice message.ts knows how to write. */
const NOTICES: [string, AlertNotice][] = [
  ["a host's own change", base],
  ['a plugin change with check, value, unit, message, late times and link', {
    ...base,
    late: true,
    plugin,
    check: { id: 7, name: 'Disks' },
    result: { value: 93.5, unit: '%', message: '/var is nearly full', measuredAt: AT, receivedAt: AT + 3_600_000 },
    link: 'https://mon.example.com/hosts/3/detail',
  }],
  ['a value without unit or message', { ...base, plugin, result: { value: 0, unit: null, message: null, measuredAt: AT, receivedAt: AT } }],
  ['a message without value', { ...base, plugin, result: { value: null, unit: null, message: 'timeout', measuredAt: AT, receivedAt: AT } }],
  ['a service', { ...base, target: { kind: 'service', id: 2, name: 'Website' }, to: 'critical', link: 'https://mon.example.com/services/2' }],
  ['a repeat', { ...base, plugin, reason: 'repeat' }],
  ['an escalation, late', { ...base, plugin, reason: 'escalation', late: true }],
  ['flapping', { ...base, plugin, reason: 'flapping-started' }],
  ['after maintenance', { ...base, reason: 'maintenance-ended' }],
  ['causes', { ...base, causes: [{ plugin: 'cpu-load', from: 'ok', to: 'major' }, { plugin: 'disk', from: 'ok', to: 'minor' }] }],
  ['unreachable', { ...base, reachability: { kind: 'unreachable', since: AT, lastSeen: AT - 90_000 } }],
  ['unreachable, never seen, late test', { ...base, late: true, test: true, reachability: { kind: 'unreachable', since: AT, lastSeen: null } }],
  ['reachable again', { ...base, from: 'major', to: 'ok', reachability: { kind: 'reachable', since: AT } }],
  ['the Test notice', testNotice({ id: 1, name: 'Pager' }, AT)],
];

describe('notification templates (mustache)', () => {
  for (const [what, n] of NOTICES) {
    it(`the defaults reproduce message.ts exactly: ${what}`, () => {
      const out = render(n);
      assert.equal(out.subject, renderSubject(n));
      assert.equal(out.text, renderText(n));
      assert.equal(out.html, null, 'no HTML part unless an HTML body is written');
    });
  }

  it('the defaults add the action links after the console link, or say why there are none', () => {
    const n = { ...base, plugin, link: 'https://mon.example.com/hosts/3/detail', late: true };
    const text = render(n, { urls: links, unavailable: '' }).text;
    assert.match(text, /\nConsole: https:\/\/mon\.example\.com\/hosts\/3\/detail\nAcknowledge: https:\/\/mon\.example\.com\/act\/a\nMute 1 h: https:\/\/mon\.example\.com\/act\/b\nMute until ok: https:\/\/mon\.example\.com\/act\/c\n\nLATE: /);
    const without = render(n, { urls: null, unavailable: 'set the console address' }).text;
    assert.match(without, /\nActions: set the console address\n/);
    assert.doesNotMatch(without, /Acknowledge:/);
  });

  it('subject and text are not escaped; the HTML body is', () => {
    const n = { ...base, plugin, result: { value: 1, unit: null, message: '<b>"x" & y</b>', measuredAt: AT, receivedAt: AT } };
    const set = { subject: '{{host}} {{result.message}}', text: 'V={{valueText}}', html: '<p>{{result.message}}</p><a href="{{actions.acknowledge}}">Ack</a>' };
    const out = render(n, { urls: links, unavailable: '' }, set);
    assert.equal(out.subject, 'web-1 <b>"x" & y</b>');
    assert.equal(out.text, 'V=1 — <b>"x" & y</b>');
    assert.equal(out.html, '<p>&lt;b&gt;&quot;x&quot; &amp; y&lt;&#x2F;b&gt;</p><a href="https:&#x2F;&#x2F;mon.example.com&#x2F;act&#x2F;a">Ack</a>');
    // Only e-mail has an HTML body.
    assert.equal(render(n, none, set, 'webhook').html, null);
  });

  it('a subject stays one line whatever a value holds', () => {
    const n = { ...base, plugin, result: { value: null, unit: null, message: 'line one\r\nBcc: x@evil.test', measuredAt: AT, receivedAt: AT } };
    assert.equal(render(n, none, { ...DEFAULT_TEMPLATES, subject: '{{headline}} {{result.message}}' }).subject, 'web-1 disk: ok → major line one Bcc: x@evil.test');
  });

  it('sections, lists and the current item', () => {
    const n = { ...base, causes: [{ plugin: 'cpu', from: 'ok' as const, to: 'major' as const }, { plugin: 'disk', from: 'ok' as const, to: 'minor' as const }] };
    const set = { ...DEFAULT_TEMPLATES, text: '{{#causes}}- {{plugin}}: {{from}}→{{to}} ({{alert.name}})\n{{/causes}}{{^plugin}}no plugin{{/plugin}}' };
    checkTemplate('text', set.text);
    assert.equal(render(n, none, set).text, '- cpu: ok→major (Pager)\n- disk: ok→minor (Pager)\nno plugin');
  });

  const refusals: [string, TemplateField, string, RegExp][] = [
    ['an unclosed section', 'text', 'Host: {{#host}}{{host}}', /Unclosed section "host" on line 1/],
    ['an unclosed tag', 'text', 'a\nb {{host', /Unclosed tag on line 2/],
    ['an unopened section', 'text', '{{/late}}', /Unopened section "late"/],
    ['an unknown variable', 'text', 'Host: {{hots}}', /unknown variable "hots" on line 1/],
    ['an unknown section', 'text', '{{#ack}}x{{/ack}}', /unknown section "ack"/],
    ["an unknown field of an object", 'subject', '{{plugin.version}}', /unknown variable "plugin.version"/],
    ['a list field outside its section', 'text', '{{plugin}}{{from}}{{causes.plugin}}', /unknown variable "causes.plugin"/],
    ['an inherited property', 'text', '{{constructor}}', /unknown variable "constructor"/],
    ['a partial', 'text', '{{> footer}}', /partials/],
    ['a subject of two lines', 'subject', 'a\nb', /one line/],
    ['an empty text', 'text', '  ', /must not be empty/],
    ['unescaped output in HTML', 'html', '<p>{{{valueText}}}</p>', /must escape every value/],
    ['unescaped & in HTML', 'html', '<p>{{& valueText}}</p>', /must escape every value/],
    ['a text too long', 'text', 'x'.repeat(20_001), /longer than 20000/],
  ];
  for (const [what, field, source, message] of refusals) {
    it(`refuses ${what}, naming the field ${field}`, () => {
      assert.throws(
        () => checkTemplate(field, source),
        (err: unknown) => isProphasisError(err, AlertErrors.INVALID_TEMPLATE) && (err.details as { field: string }).field === field && err.message.includes(`: ${field}: `) && message.test(err.message),
      );
    });
  }

  it('previews do not pile up in a cache: Mustache’s global one stays empty however many variants are checked and rendered', () => {
    for (let i = 0; i < 500; i++) {
      const set = { subject: `{{host}} ${i}`, text: `t ${i} {{to}}`, html: `<p>${i}</p>` };
      checkTemplates('email', set);
      render(base, none, set);
    }
    const global = Mustache.templateCache as unknown as { _cache: Record<string, unknown> };
    assert.equal(Object.keys(global._cache).length, 0);
  });

  it('the defaults, the sample and every listed variable pass the check', () => {
    for (const module of ['email', 'webhook', 'command']) checkTemplates(module, DEFAULT_TEMPLATES);
    const every = templateVariables().filter((v) => !v.name.includes('[]') && !v.name.startsWith('#')).map((v) => `{{${v.name}}}`).join(' ');
    checkTemplate('text', every);
    checkTemplate('html', every);
    // Objects and lists are listed as sections.
    const names = templateVariables().map((v) => v.name);
    for (const section of ['#plugin', '#actions', '#causes', '#result']) assert.ok(names.includes(section), section);
    assert.ok(!names.includes('plugin'));
    assert.match(render(sampleNotice(AT)).text, /^Alert: Disks full\nHost: web1\nPlugin: disk \(io\.prophasis\.disk\)\nCheck: Disks\n/);
  });
});
