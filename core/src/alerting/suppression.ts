import { isSeverity, type Severity } from '@prophasis/protocol';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Database } from '../db/index.js';
import { loadDependencies, type HostRef } from '../dependencies/index.js';
import { loadGroupHosts } from '../inventory/index.js';
import { loadHostStates } from '../state/index.js';
import type { Transition } from './feed.js';
import type { AlertNotice } from './types.js';
import { windowActive, type WindowSchedule } from './windows.js';

/**
 * A problem (docs/alerts.md, "Acknowledging"): a host's own state, one plugin on a host, or a
 * service: the keys of a transition.
 */
export interface Problem {
  hostId: number | null;
  pluginId: number | null;
  serviceId: number | null;
}

/** `h:<host>`, `h:<host>:p:<plugin row>` or `s:<service>`: one string per problem. */
export function problemKey(p: Problem): string {
  if (p.serviceId !== null) return `s:${p.serviceId}`;
  return p.pluginId === null ? `h:${p.hostId}` : `h:${p.hostId}:p:${p.pluginId}`;
}

/** The inverse of {@link problemKey}; undefined for anything else. */
export function parseProblemKey(key: string): Problem | undefined {
  let m = /^s:(\d+)$/.exec(key);
  if (m) return { hostId: null, pluginId: null, serviceId: Number(m[1]) };
  m = /^h:(\d+)(?::p:(\d+))?$/.exec(key);
  if (m) return { hostId: Number(m[1]), pluginId: m[2] === undefined ? null : Number(m[2]), serviceId: null };
  return undefined;
}

/** Why a problem's notices are not sent now. */
export type SuppressedBy = { by: 'acknowledgement'; id: number } | { by: 'silence'; id: number; name: string } | { by: 'dependency'; hostId: number; name: string };

/** What a silence covers (the API's `scopes`): any one of them matches. Plugins by their plugin id (`io.prophasis.cpu-load`). */
interface SilenceScopes {
  hostIds: number[];
  groupIds: number[];
  serviceIds: number[];
  checkIds: number[];
  pluginIds: string[];
  /** One problem (the action links' mutes). */
  problem?: string;
}

/** A silence or maintenance window as stored. */
export interface SilenceRow {
  id: number;
  name: string;
  comment: string;
  schedule: WindowSchedule;
  scopes: SilenceScopes;
  createdBy: string;
  createdAt: number;
  endedAt: number | null;
}

/** An acknowledgement as stored. */
export interface AcknowledgementRow {
  id: number;
  problem: string;
  severity: Severity;
  sticky: boolean;
  comment: string;
  by: string;
  createdAt: number;
  clearedAt: number | null;
  clearedReason: string | null;
}

const num = (v: unknown): number | null => (v == null ? null : Number(v));
const json = <T>(v: unknown, fallback: T): T => {
  if (v == null) return fallback;
  try {
    return (typeof v === 'string' ? JSON.parse(v) : v) as T;
  } catch {
    return fallback;
  }
};

type Db = Pick<Database, 'sequelize'>;
const select = <T extends object>(db: Db, sql: string, replacements: unknown[] = [], transaction?: Transaction) =>
  db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements, ...(transaction ? { transaction } : {}) });

interface RawSilence {
  id: number;
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
  created_by: string;
  created_at: unknown;
  ended_at: unknown;
}

export function silenceFromRow(r: RawSilence): SilenceRow {
  const kind = r.kind;
  const schedule: WindowSchedule =
    kind === 'once'
      ? { kind, startsAt: Number(r.starts_at), endsAt: Number(r.ends_at) }
      : kind === 'until-ok'
        ? { kind, startsAt: Number(r.starts_at) }
        : { kind: kind === 'weekly' ? 'weekly' : 'daily', timeZone: r.time_zone ?? 'UTC', startTime: r.start_time ?? '00:00', endTime: r.end_time ?? '00:00', weekdays: json<number[]>(r.weekdays, []) };
  return {
    id: Number(r.id),
    name: r.name,
    comment: r.comment,
    schedule,
    scopes: { hostIds: [], groupIds: [], serviceIds: [], checkIds: [], pluginIds: [], ...json<Partial<SilenceScopes>>(r.scopes, {}) },
    createdBy: r.created_by,
    createdAt: Number(r.created_at),
    endedAt: num(r.ended_at),
  };
}

/** Every silence that has not ended (until-ok silences end; the others stay until deleted). */
export async function loadSilences(db: Db, options: { includeEnded?: boolean } = {}): Promise<SilenceRow[]> {
  const rows = await select<RawSilence>(db, `SELECT * FROM silences ${options.includeEnded ? '' : 'WHERE ended_at IS NULL'} ORDER BY id`);
  return rows.map(silenceFromRow);
}

/** Acknowledgements that have not been cleared (all of them, or one problem's). */
export async function loadAcknowledgements(db: Db, problem?: string): Promise<AcknowledgementRow[]> {
  const rows = await select<{ id: number; problem_key: string; severity: string; sticky: unknown; comment: string; by_user: string; created_at: unknown; cleared_at: unknown; cleared_reason: string | null }>(
    db,
    `SELECT id, problem_key, severity, sticky, comment, by_user, created_at, cleared_at, cleared_reason FROM acknowledgements WHERE cleared_at IS NULL${problem ? ' AND problem_key = ?' : ''} ORDER BY id`,
    problem ? [problem] : [],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    problem: r.problem_key,
    severity: isSeverity(r.severity) ? r.severity : 'unknown',
    sticky: r.sticky === true || r.sticky === 1 || r.sticky === '1',
    comment: r.comment,
    by: r.by_user,
    createdAt: Number(r.created_at),
    clearedAt: num(r.cleared_at),
    clearedReason: r.cleared_reason,
  }));
}

/**
 * The problem's severity now: a host's from the state model, a plugin's from `current_states`,
 * a service's from its newest transition; null when the problem does not exist (or a service
 * has no state yet).
 */
export async function currentSeverity(db: Database, p: Problem): Promise<Severity | null> {
  let value: string | undefined;
  if (p.serviceId !== null) {
    [value] = (await select<{ to_state: string }>(db, 'SELECT to_state FROM state_transitions WHERE service_id = ? ORDER BY id DESC LIMIT 1', [p.serviceId])).map((r) => r.to_state);
  } else if (p.pluginId === null) {
    value = (await loadHostStates(db, [p.hostId!])).get(p.hostId!)?.severity;
  } else {
    [value] = (await select<{ severity: string }>(db, 'SELECT severity FROM current_states WHERE host_id = ? AND plugin_id = ?', [p.hostId, p.pluginId])).map((r) => r.severity);
  }
  return value !== undefined && isSeverity(value) ? value : null;
}

/** The problems' state of acknowledgements and silences at one moment, answered without further queries. */
export interface SuppressionSnapshot {
  check(problem: Problem, at: number): SuppressedBy | null;
  /** The active silence covering the problem, if any. */
  silencedBy(problem: Problem, at: number): SilenceRow | undefined;
  acknowledgement(problem: Problem): AcknowledgementRow | undefined;
  /** The down ancestor the problem's host is cut off by (docs/alerts.md, "Dependencies"), if any. */
  causedBy(problem: Problem): HostRef | null;
}

/** Reads acknowledgements and silences (scopes resolved: groups to hosts, checks to hosts × plugins, plugin ids to rows) once. */
export async function loadSuppression(db: Database): Promise<SuppressionSnapshot> {
  const acks = new Map((await loadAcknowledgements(db)).map((a) => [a.problem, a]));
  const dependencies = await loadDependencies(db);
  const causedBy = (p: Problem) => (p.hostId === null ? null : dependencies.causedBy(p.hostId));
  const silences = await loadSilences(db);
  const expand = silences.some((s) => s.scopes.groupIds.length > 0) ? await loadGroupHosts(db) : () => [] as number[];
  const checkIds = [...new Set(silences.flatMap((s) => s.scopes.checkIds))];
  const pluginNames = [...new Set(silences.flatMap((s) => s.scopes.pluginIds))];
  const checks = new Map<number, { hosts: Set<number>; plugins: Set<number> }>(checkIds.map((id) => [id, { hosts: new Set(), plugins: new Set() }]));
  if (checkIds.length > 0) {
    const marks = checkIds.map(() => '?').join(',');
    for (const r of await select<{ check_id: number; host_id: number }>(db, `SELECT check_id, host_id FROM check_hosts WHERE check_id IN (${marks})`, checkIds)) checks.get(Number(r.check_id))?.hosts.add(Number(r.host_id));
    const groups = await select<{ check_id: number; group_id: number }>(db, `SELECT check_id, group_id FROM check_groups WHERE check_id IN (${marks})`, checkIds);
    const expandChecks = groups.length > 0 ? await loadGroupHosts(db) : () => [] as number[];
    for (const g of groups) for (const h of expandChecks([Number(g.group_id)])) checks.get(Number(g.check_id))?.hosts.add(h);
    for (const r of await select<{ check_id: number; plugin_id: number }>(db, `SELECT check_id, plugin_id FROM check_plugins WHERE check_id IN (${marks})`, checkIds)) checks.get(Number(r.check_id))?.plugins.add(Number(r.plugin_id));
  }
  const pluginRows = new Map<string, number>();
  if (pluginNames.length > 0) {
    for (const r of await select<{ id: number; plugin_id: string }>(db, `SELECT id, plugin_id FROM plugins WHERE plugin_id IN (${pluginNames.map(() => '?').join(',')})`, pluginNames)) pluginRows.set(r.plugin_id, Number(r.id));
  }
  const resolved = silences.map((s) => ({
    silence: s,
    hosts: new Set([...s.scopes.hostIds, ...expand(s.scopes.groupIds)]),
    services: new Set(s.scopes.serviceIds),
    plugins: new Set(s.scopes.pluginIds.map((p) => pluginRows.get(p)).filter((v): v is number => v !== undefined)),
    checks: s.scopes.checkIds.map((id) => checks.get(id)!),
  }));
  const covers = (r: (typeof resolved)[number], p: Problem): boolean => {
    if (r.silence.scopes.problem === problemKey(p)) return true;
    if (p.serviceId !== null) return r.services.has(p.serviceId);
    if (p.hostId === null) return false;
    if (r.hosts.has(p.hostId)) return true;
    if (p.pluginId === null) return false;
    const pluginId = p.pluginId;
    return r.plugins.has(pluginId) || r.checks.some((c) => c.hosts.has(p.hostId!) && c.plugins.has(pluginId));
  };
  const silencedBy = (p: Problem, at: number) => resolved.find((r) => windowActive(r.silence.schedule, at) && covers(r, p))?.silence;
  return {
    silencedBy,
    causedBy,
    acknowledgement: (p) => acks.get(problemKey(p)),
    check(p, at) {
      const ack = acks.get(problemKey(p));
      if (ack) return { by: 'acknowledgement', id: ack.id };
      const s = silencedBy(p, at);
      if (s) return { by: 'silence', id: s.id, name: s.name };
      const parent = causedBy(p);
      return parent ? { by: 'dependency', ...parent } : null;
    },
  };
}

/**
 * Is this problem acknowledged or silenced at `at`? What the intake, repeats and escalations
 * ask before sending anything about a problem (docs/alerts.md, "Acknowledging").
 */
export async function isSuppressed(db: Database, problem: Problem, at: number): Promise<SuppressedBy | null> {
  return (await loadSuppression(db)).check(problem, at);
}

/**
 * What a batch of transitions ends, before its notices are matched (alerting calls it): an
 * acknowledgement ends when its problem's state changes (a sticky one when it is ok again); an
 * until-ok silence when its problem is ok. A transition made before the acknowledgement
 * (`state_transitions.id` at most `after_transition`, or an earlier time without an id) ends nothing.
 */
export async function endByTransitions(db: Database, batch: readonly Transition[], now: number): Promise<void> {
  for (const t of batch) {
    const key = problemKey(t);
    const newer = t.id !== undefined ? 'after_transition < ?' : 'created_at < ?';
    const sticky = t.to === 'ok' ? '' : ' AND NOT sticky';
    await db.sequelize.query(
      `UPDATE acknowledgements SET cleared_at = ?, cleared_reason = ? WHERE problem_key = ? AND cleared_at IS NULL AND ${newer}${sticky}`,
      { replacements: [now, t.to === 'ok' ? 'ok again' : `state changed to ${t.to}`, key, t.id ?? t.at] },
    );
    if (t.to === 'ok') {
      const open = await select<RawSilence>(db, "SELECT * FROM silences WHERE kind = 'until-ok' AND ended_at IS NULL");
      const mine = open.map(silenceFromRow).filter((s) => s.scopes.problem === key).map((s) => s.id);
      if (mine.length > 0) await db.sequelize.query(`UPDATE silences SET ended_at = ? WHERE id IN (${mine.map(() => '?').join(',')})`, { replacements: [now, ...mine] });
    }
  }
}

/** A delivery the intake would have made, kept back by a silence. */
export interface HeldNotice {
  alertId: number;
  module: string;
  settings: Record<string, unknown>;
  notice: AlertNotice;
}

/** Keeps the newest notice per (silence, problem, alert): released once when the silence ends (idempotent: a batch read twice holds the same row). */
export async function holdNotice(db: Database, silenceId: number, problem: Problem, held: HeldNotice, now: number): Promise<void> {
  await db.sequelize.query(
    `INSERT INTO silence_held (silence_id, problem_key, alert_id, module, settings, notice, held_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (silence_id, problem_key, alert_id) DO UPDATE SET module = excluded.module, settings = excluded.settings, notice = excluded.notice, held_at = excluded.held_at`,
    { replacements: [silenceId, problemKey(problem), held.alertId, held.module, JSON.stringify(held.settings), JSON.stringify(held.notice), now] },
  );
}

/**
 * The notices whose silence is no longer active at `now` (ended, deleted, or out of its window),
 * for problems that are still there: one per (problem, alert), to be sent once with reason
 * `maintenance-ended`. A problem another silence now covers moves to that silence; one that is
 * ok again, acknowledged or gone is dropped.
 */
export async function releaseHeld(db: Database, now: number): Promise<HeldNotice[]> {
  const rows = await select<{ silence_id: number; problem_key: string; alert_id: number; module: string; settings: string; notice: string }>(
    db,
    'SELECT silence_id, problem_key, alert_id, module, settings, notice FROM silence_held ORDER BY held_at',
  );
  if (rows.length === 0) return [];
  const snapshot = await loadSuppression(db);
  const out = new Map<string, HeldNotice>();
  for (const r of rows) {
    const problem = parseProblemKey(r.problem_key);
    const silence = problem ? snapshot.silencedBy(problem, now) : undefined;
    if (problem && silence && silence.id === Number(r.silence_id)) continue;
    await db.sequelize.query('DELETE FROM silence_held WHERE silence_id = ? AND problem_key = ? AND alert_id = ?', { replacements: [r.silence_id, r.problem_key, r.alert_id] });
    if (!problem) continue;
    const held: HeldNotice = { alertId: Number(r.alert_id), module: r.module, settings: json(r.settings, {}), notice: json(r.notice, {} as AlertNotice) };
    if (silence) {
      await holdNotice(db, silence.id, problem, held, now);
      continue;
    }
    const severity = await currentSeverity(db, problem);
    if (severity === null || severity === 'ok' || snapshot.acknowledgement(problem)) continue;
    // A down parent still causes the problem: held on for it (docs/alerts.md, "Dependencies").
    const parent = snapshot.causedBy(problem);
    if (parent) {
      await db.sequelize.query(
        `INSERT INTO dependency_held (problem_key, alert_id, parent_id, module, settings, notice, held_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (problem_key, alert_id) DO UPDATE SET parent_id = excluded.parent_id, module = excluded.module, settings = excluded.settings, notice = excluded.notice, held_at = excluded.held_at`,
        { replacements: [r.problem_key, held.alertId, parent.hostId, held.module, JSON.stringify(held.settings), JSON.stringify(held.notice), now] },
      );
      continue;
    }
    out.set(`${r.problem_key}/${r.alert_id}`, held);
  }
  return [...out.values()];
}

/** The marks lists and reports show for problems (docs/api.md "Reports"): acknowledged by whom, in which maintenance window, caused by which down parent. */
export interface ProblemMarks {
  acknowledged: { id: number; by: string; comment: string; sticky: boolean; at: number } | null;
  maintenance: { silenceId: number; name: string } | null;
  causedBy: HostRef | null;
}

/** Reads acknowledgements and silences once; `marks(problem)` answers for any problem at `at`. */
export async function loadProblemMarks(db: Database, at: number): Promise<(problem: Problem) => ProblemMarks> {
  const s = await loadSuppression(db);
  return (p) => {
    const ack = s.acknowledgement(p);
    const silence = s.silencedBy(p, at);
    return {
      acknowledged: ack ? { id: ack.id, by: ack.by, comment: ack.comment, sticky: ack.sticky, at: ack.createdAt } : null,
      maintenance: silence ? { silenceId: silence.id, name: silence.name } : null,
      causedBy: s.causedBy(p),
    };
  };
}
