import type { Reachability } from '../state/index.js';
import type { RenderedMessage } from './templates.js';
import type { AlertNotice, NoticeReason } from './types.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A notice, possibly carrying the reachability that caused a host's own transition (core/src/state `transitionReachability`). */
export type Notice = AlertNotice & { reachability?: Reachability | null | undefined };

/** `10:05 UTC` on the day of `at`, else `2026-01-01 10:05 UTC`: readable in a subject line. */
function shortTime(ms: number, at: number): string {
  const text = iso(ms);
  const sameDay = text.slice(0, 10) === iso(at).slice(0, 10);
  return `${sameDay ? '' : `${text.slice(0, 10)} `}${text.slice(11, 16)} UTC`;
}

/** What happened, in words: `web-1 is unreachable (agent not connected since 10:05 UTC)`, or `web1 cpu-load: ok → major`. */
export function headline(n: Notice): string {
  const r = n.reachability;
  if (r?.kind === 'unreachable') {
    return `${n.target.name} is unreachable (agent not connected since ${shortTime(r.lastSeen ?? r.since, n.at)})`;
  }
  if (r?.kind === 'reachable') return `${n.target.name} is reachable again (agent connected at ${shortTime(r.since, n.at)})`;
  const plugin = n.plugin ? ` ${n.plugin.name}` : '';
  return `${n.target.name}${plugin}: ${n.from} → ${n.to}`;
}

/** Why it was sent: the notice's reason; without one, `unreachable` for a host that became unreachable, else `transition`. */
export function noticeReason(n: Notice): NoticeReason {
  return n.reason ?? (n.reachability?.kind === 'unreachable' ? 'unreachable' : 'transition');
}

/** Each reason in words (the `Why:` line) and its subject prefix. */
export const REASONS: Record<NoticeReason, { why: string; prefix: string }> = {
  transition: { why: 'the state changed', prefix: '' },
  repeat: { why: 'repeat: the problem lasts and is not acknowledged', prefix: 'REPEAT ' },
  escalation: { why: 'escalation: the problem has lasted without being acknowledged', prefix: 'ESCALATED ' },
  'maintenance-ended': { why: 'a maintenance window ended and the problem is still present', prefix: 'AFTER MAINTENANCE ' },
  'dependency-ended': { why: 'a parent host it is reached through was down; it is reachable again and the problem is still present', prefix: 'AFTER PARENT RECOVERED ' },
  'flapping-started': { why: 'the state changes too often (flapping); no notification per change until it settles', prefix: 'FLAPPING ' },
  'flapping-stopped': { why: 'the state stopped flapping', prefix: 'FLAPPING STOPPED ' },
  unreachable: { why: 'the host\'s agent is unreachable', prefix: '' },
};

/** One line: `[TEST] LATE web1 cpu-load: ok → major`, `web-1 is unreachable (agent not connected since 10:05 UTC)`. */
export function renderSubject(n: Notice): string {
  return `${n.test ? '[TEST] ' : ''}${REASONS[noticeReason(n)].prefix}${n.late ? 'LATE ' : ''}${headline(n)}`;
}

/** The sentence every module carries for a late transition (docs/alerts.md, "Late transitions"). */
function lateText(n: AlertNotice): string {
  return `LATE: this change happened at ${iso(n.at)} and was delivered after the agent reconnected.`;
}

/** The plain-text body: what changed, where, when, why; shared by e-mail, chat presets and commands. */
export function renderText(n: Notice): string {
  const lines: string[] = [];
  if (n.test) lines.push('This is a test message from Prophasis; no state changed.', '');
  const r = n.reachability;
  if (r) lines.push(`${headline(n)}.`, '');
  lines.push(`Alert: ${n.alert.name}`);
  lines.push(`${n.target.kind === 'host' ? 'Host' : 'Service'}: ${n.target.name}`);
  if (n.plugin) lines.push(`Plugin: ${n.plugin.name} (${n.plugin.pluginId})`);
  if (n.check) lines.push(`Check: ${n.check.name}`);
  lines.push(`Change: ${n.from} → ${n.to}${r ? (r.kind === 'unreachable' ? ' (its agent is unreachable)' : ' (its agent is back)') : ''}`);
  if (r?.kind === 'unreachable') {
    lines.push(`Agent: last heard from ${r.lastSeen !== null ? iso(r.lastSeen) : 'never'}; unreachable since ${iso(r.since)}, when its grace period ran out`);
  }
  if (r?.kind === 'reachable') lines.push(`Agent: connected again at ${iso(r.since)}`);
  const v = n.result;
  if (v && (v.value !== null || v.message)) {
    const value = v.value === null ? '' : `${v.value}${v.unit ? ` ${v.unit}` : ''}`;
    lines.push(`Value: ${[value, v.message ?? ''].filter((part) => part !== '').join(' — ')}`);
  }
  lines.push(`Time: ${iso(n.at)}`);
  if (n.late && v) lines.push(`Measured: ${iso(v.measuredAt)}; received: ${iso(v.receivedAt)}`);
  lines.push(`Why: ${REASONS[noticeReason(n)].why}`);
  if (n.causes.length > 0) lines.push(`Caused by: ${n.causes.map((c) => `${c.plugin} ${c.from} → ${c.to}`).join('; ')}`);
  if (n.link) lines.push(`Console: ${n.link}`);
  if (n.late) lines.push('', lateText(n));
  return lines.join('\n');
}

/** The texts of a notice without templates or links: message.ts's own words. */
export function defaultMessage(n: Notice): RenderedMessage {
  return { subject: renderSubject(n), text: renderText(n), html: null, actions: null };
}

/** The notice as the JSON object webhooks (format `json`) and commands (stdin) receive; `message`: its rendered texts and action links. */
export function noticeJson(n: Notice, message: RenderedMessage = defaultMessage(n)): Record<string, unknown> {
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
    reachability: n.reachability ?? null,
    test: n.test,
    reason: noticeReason(n),
    causedBy: n.causedBy ?? null,
    check: n.check ?? null,
    result: n.result ?? null,
    link: n.link ?? null,
    deliveryId: n.deliveryId ?? null,
    subject: message.subject,
    text: message.text,
    actions: message.actions,
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
