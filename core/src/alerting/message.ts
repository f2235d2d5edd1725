import type { AlertNotice } from './types.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** One line: `[TEST] LATE web1 cpu-load: ok → major`. */
export function renderSubject(n: AlertNotice): string {
  const plugin = n.plugin ? ` ${n.plugin.name}` : '';
  return `${n.test ? '[TEST] ' : ''}${n.late ? 'LATE ' : ''}${n.target.name}${plugin}: ${n.from} → ${n.to}`;
}

/** The sentence every module carries for a late transition (docs/alerts.md, "Late transitions"). */
function lateText(n: AlertNotice): string {
  return `LATE: this change happened at ${iso(n.at)} and was delivered after the agent reconnected.`;
}

/** The plain-text body: what changed, where, when, why; shared by e-mail, chat presets and commands. */
export function renderText(n: AlertNotice): string {
  const lines: string[] = [];
  if (n.test) lines.push('This is a test message from Prophasis; no state changed.', '');
  lines.push(`Alert: ${n.alert.name}`);
  lines.push(`${n.target.kind === 'host' ? 'Host' : 'Service'}: ${n.target.name}`);
  if (n.plugin) lines.push(`Plugin: ${n.plugin.name} (${n.plugin.pluginId})`);
  lines.push(`Change: ${n.from} → ${n.to}`);
  lines.push(`Time: ${iso(n.at)}`);
  if (n.causes.length > 0) lines.push(`Caused by: ${n.causes.map((c) => `${c.plugin} ${c.from} → ${c.to}`).join('; ')}`);
  if (n.late) lines.push('', lateText(n));
  return lines.join('\n');
}

/** The notice as the JSON object webhooks (format `json`) and commands (stdin) receive. */
export function noticeJson(n: AlertNotice): Record<string, unknown> {
  return {
    alert: n.alert,
    target: n.target,
    plugin: n.plugin,
    from: n.from,
    to: n.to,
    at: iso(n.at),
    atMs: n.at,
    late: n.late,
    causes: n.causes,
    test: n.test,
    subject: renderSubject(n),
    text: renderText(n),
  };
}

/** A notice for the Test action. */
export function testNotice(alert: { id: number; name: string } = { id: 0, name: 'Test' }, at = Date.now()): AlertNotice {
  return {
    alert,
    target: { kind: 'host', id: 0, name: 'test-host' },
    plugin: { id: 0, pluginId: 'io.prophasis.test', name: 'test' },
    from: 'ok',
    to: 'major',
    at,
    late: false,
    causes: [],
    test: true,
  };
}
