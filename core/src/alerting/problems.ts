import type { Acknowledgement, ProblemRef, Silence, SilenceInput } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import { ApiErrors } from '../kernel/index.js';
import { AlertErrors } from './errors.js';
import { currentSeverity, loadAcknowledgements, loadSilences, problemKey, silenceFromRow, type Problem, type SilenceRow } from './suppression.js';
import { isTimeZone, parseTimeOfDay, windowActive } from './windows.js';

/** A problem reference from the API, checked: exactly one of host, host + plugin, service, and it exists. */
export async function resolveProblem(db: Database, ref: ProblemRef, field = 'problem'): Promise<Problem> {
  const p: Problem = { hostId: ref.hostId ?? null, pluginId: ref.pluginId ?? null, serviceId: ref.serviceId ?? null };
  const shape = p.serviceId !== null ? p.hostId === null && p.pluginId === null : p.hostId !== null;
  if (!shape) throw ApiErrors.BAD_REQUEST(`${field}: give hostId, hostId and pluginId, or serviceId`, { field });
  const exists = async (table: string, id: number) =>
    (await db.sequelize.query(`SELECT id FROM ${table} WHERE id = ?`, { type: QueryTypes.SELECT, replacements: [id] })).length > 0;
  if (p.serviceId !== null && !(await exists('services', p.serviceId))) throw ApiErrors.REFERENCE_NOT_FOUND(`${field}.serviceId: ${p.serviceId}`, { field: `${field}.serviceId` });
  if (p.hostId !== null && !(await exists('hosts', p.hostId))) throw ApiErrors.REFERENCE_NOT_FOUND(`${field}.hostId: ${p.hostId}`, { field: `${field}.hostId` });
  if (p.pluginId !== null && !(await exists('plugins', p.pluginId))) throw ApiErrors.REFERENCE_NOT_FOUND(`${field}.pluginId: ${p.pluginId}`, { field: `${field}.pluginId` });
  return p;
}

/** INSERT and the new row's id on both dialects (SQLite's driver answers the id itself; PostgreSQL needs RETURNING). */
async function insertId(db: Database, sql: string, replacements: unknown[]): Promise<number> {
  if (db.dialect === 'postgres') {
    const [row] = await db.sequelize.query<{ id: unknown }>(`${sql} RETURNING id`, { type: QueryTypes.SELECT, replacements });
    return Number(row!.id);
  }
  const [id] = await db.sequelize.query(sql, { type: QueryTypes.INSERT, replacements });
  return Number(id);
}

const newestTransition = async (db: Database): Promise<number> => {
  const [row] = await db.sequelize.query<{ id: unknown }>('SELECT MAX(id) AS id FROM state_transitions', { type: QueryTypes.SELECT });
  return Number(row?.id ?? 0);
};

/**
 * Acknowledges a problem in its current, non-ok state (docs/alerts.md, "Acknowledging"); an
 * earlier acknowledgement of the same problem is replaced. Refuses a problem that is ok or has
 * no state (`CORE_ALERT_NO_PROBLEM`, field `problem`).
 */
export async function acknowledge(db: Database, input: { problem: Problem; comment: string; sticky: boolean; by: string }, now: number): Promise<Acknowledgement> {
  const severity = await currentSeverity(db, input.problem);
  if (severity === null || severity === 'ok') {
    throw AlertErrors.NO_PROBLEM(`problem: ${problemKey(input.problem)} is ${severity ?? 'without a state'}`, { field: 'problem', severity });
  }
  const key = problemKey(input.problem);
  const after = await newestTransition(db);
  await db.sequelize.transaction(async (transaction) => {
    await db.sequelize.query("UPDATE acknowledgements SET cleared_at = ?, cleared_reason = 'replaced' WHERE problem_key = ? AND cleared_at IS NULL", { replacements: [now, key], transaction });
    await db.sequelize.query(
      'INSERT INTO acknowledgements (problem_key, host_id, plugin_id, service_id, severity, sticky, comment, by_user, created_at, after_transition) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      { replacements: [key, input.problem.hostId, input.problem.pluginId, input.problem.serviceId, severity, input.sticky, input.comment, input.by, now, after], transaction },
    );
  });
  const [ack] = await loadAcknowledgements(db, key);
  return presentAcknowledgement(ack!);
}

export function presentAcknowledgement(a: Awaited<ReturnType<typeof loadAcknowledgements>>[number]): Acknowledgement {
  return { id: a.id, problem: a.problem, severity: a.severity, sticky: a.sticky, comment: a.comment, by: a.by, createdAt: a.createdAt };
}

/** Ends an acknowledgement by hand; false when there is no such open acknowledgement. */
export async function unacknowledge(db: Database, id: number, by: string, now: number): Promise<boolean> {
  const [, changed] = await db.sequelize.query('UPDATE acknowledgements SET cleared_at = ?, cleared_reason = ? WHERE id = ? AND cleared_at IS NULL', {
    type: QueryTypes.UPDATE,
    replacements: [now, `removed by ${by}`, id],
  });
  return changed > 0;
}

export function presentSilence(s: SilenceRow, now: number): Silence {
  const w = s.schedule;
  return {
    id: s.id,
    name: s.name,
    comment: s.comment,
    kind: w.kind,
    startsAt: w.kind === 'once' || w.kind === 'until-ok' ? w.startsAt : null,
    endsAt: w.kind === 'once' ? w.endsAt : null,
    timeZone: w.kind === 'daily' || w.kind === 'weekly' ? w.timeZone : null,
    startTime: w.kind === 'daily' || w.kind === 'weekly' ? w.startTime : null,
    endTime: w.kind === 'daily' || w.kind === 'weekly' ? w.endTime : null,
    weekdays: w.kind === 'weekly' ? [...(w.weekdays ?? [])] : [],
    scopes: { ...s.scopes },
    active: s.endedAt === null && windowActive(w, now),
    createdBy: s.createdBy,
    createdAt: s.createdAt,
  };
}

const bad = (field: string, why: string) => AlertErrors.INVALID_WINDOW(`${field}: ${why}`, { field });
const WEEK = 7 * 1440;

/** A recurring window as intervals of minutes in the week (Monday 00:00 = 0), a window crossing Sunday midnight split in two. */
function weekIntervals(days: readonly number[], start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  for (const d of days) {
    const from = (d - 1) * 1440 + start;
    const to = (d - 1) * 1440 + (end > start ? end : end + 1440);
    if (to <= WEEK) out.push([from, to]);
    else out.push([from, WEEK], [0, to - WEEK]);
  }
  return out;
}

const sameScopes = (a: SilenceRow['scopes'], b: SilenceInput['scopes'], bProblem: string | undefined) =>
  (['hostIds', 'groupIds', 'serviceIds', 'checkIds', 'pluginIds'] as const).every((k) => JSON.stringify([...a[k]].map(String).sort()) === JSON.stringify([...b[k]].map(String).sort())) && a.problem === bProblem;

/**
 * Checks a silence before it is stored: the fields its kind needs, a window that is not empty,
 * a time zone Node knows, scopes that exist and cover something, and no overlap with another
 * silence of the same scopes (one-off with one-off; recurring with recurring in the same zone).
 * Every refusal is a 400 naming the field.
 */
async function validateSilence(db: Database, input: SilenceInput, exceptId?: number): Promise<string | undefined> {
  if (input.kind === 'once') {
    if (input.startsAt === undefined) throw bad('startsAt', 'a one-off silence needs a start');
    if (input.endsAt === undefined) throw bad('endsAt', 'a one-off silence needs an end');
    if (input.endsAt <= input.startsAt) throw bad('endsAt', 'must be after startsAt (the window would be empty)');
  } else {
    if (!input.timeZone) throw bad('timeZone', 'a recurring window needs an IANA time zone such as Europe/Berlin');
    if (!isTimeZone(input.timeZone)) throw bad('timeZone', `unknown time zone ${JSON.stringify(input.timeZone)} (IANA names such as Europe/Berlin, UTC)`);
    if (input.startTime === undefined) throw bad('startTime', 'a recurring window needs a start time (HH:MM)');
    if (input.endTime === undefined) throw bad('endTime', 'a recurring window needs an end time (HH:MM)');
    if (input.startTime === input.endTime) throw bad('endTime', 'equals startTime (the window would be empty)');
    if (input.kind === 'weekly' && !input.weekdays?.length) throw bad('weekdays', 'a weekly window needs at least one weekday (1 = Monday … 7 = Sunday)');
  }
  const scopes = input.scopes;
  if (scopes.hostIds.length + scopes.groupIds.length + scopes.serviceIds.length + scopes.checkIds.length + scopes.pluginIds.length === 0 && !scopes.problem) {
    throw bad('scopes', 'name at least one host, group, service, check, plugin or problem');
  }
  const problem = scopes.problem ? problemKey(await resolveProblem(db, scopes.problem, 'scopes.problem')) : undefined;
  for (const [field, table] of [['hostIds', 'hosts'], ['groupIds', 'host_groups'], ['serviceIds', 'services'], ['checkIds', 'checks']] as const) {
    const ids = scopes[field];
    if (ids.length === 0) continue;
    const found = await db.sequelize.query<{ id: unknown }>(`SELECT id FROM ${table} WHERE id IN (${ids.map(() => '?').join(',')})`, { type: QueryTypes.SELECT, replacements: ids });
    const missing = ids.filter((id) => !found.some((r) => Number(r.id) === id));
    if (missing.length) throw ApiErrors.REFERENCE_NOT_FOUND(`scopes.${field}: ${missing.join(', ')}`, { field: `scopes.${field}`, missing });
  }
  if (scopes.pluginIds.length) {
    const found = await db.sequelize.query<{ plugin_id: string }>(`SELECT plugin_id FROM plugins WHERE plugin_id IN (${scopes.pluginIds.map(() => '?').join(',')})`, { type: QueryTypes.SELECT, replacements: scopes.pluginIds });
    const missing = scopes.pluginIds.filter((p) => !found.some((r) => r.plugin_id === p));
    if (missing.length) throw ApiErrors.REFERENCE_NOT_FOUND(`scopes.pluginIds: ${missing.join(', ')}`, { field: 'scopes.pluginIds', missing });
  }
  for (const other of await loadSilences(db)) {
    if (other.id === exceptId || !sameScopes(other.scopes, scopes, problem)) continue;
    const o = other.schedule;
    let overlaps = false;
    if (input.kind === 'once' && o.kind === 'once') overlaps = input.startsAt! < o.endsAt && o.startsAt < input.endsAt!;
    if (input.kind !== 'once' && (o.kind === 'daily' || o.kind === 'weekly') && o.timeZone === input.timeZone) {
      const all = [1, 2, 3, 4, 5, 6, 7];
      const mine = weekIntervals(input.kind === 'daily' ? all : input.weekdays!, parseTimeOfDay(input.startTime!)!, parseTimeOfDay(input.endTime!)!);
      const theirs = weekIntervals(o.kind === 'daily' ? all : (o.weekdays ?? []), parseTimeOfDay(o.startTime)!, parseTimeOfDay(o.endTime)!);
      overlaps = mine.some(([a, b]) => theirs.some(([c, d]) => a < d && c < b));
    }
    if (overlaps) throw AlertErrors.WINDOW_OVERLAP(`${input.kind === 'once' ? 'startsAt' : 'startTime'}: overlaps silence ${other.id} (${other.name}) with the same scopes`, { field: input.kind === 'once' ? 'startsAt' : 'startTime', silenceId: other.id });
  }
  return problem;
}

const columns = (input: SilenceInput, problem: string | undefined) => {
  const once = input.kind === 'once';
  return [
    input.name,
    input.comment,
    input.kind,
    once ? input.startsAt : null,
    once ? input.endsAt : null,
    once ? null : input.timeZone,
    once ? null : input.startTime,
    once ? null : input.endTime,
    input.kind === 'weekly' ? JSON.stringify(input.weekdays) : null,
    JSON.stringify({ ...input.scopes, problem }),
  ];
};

async function silenceById(db: Database, id: number): Promise<SilenceRow | undefined> {
  const [row] = await db.sequelize.query<Parameters<typeof silenceFromRow>[0]>('SELECT * FROM silences WHERE id = ?', { type: QueryTypes.SELECT, replacements: [id] });
  return row ? silenceFromRow(row) : undefined;
}

/** Stores a validated silence; returns it as the API shows it. */
export async function createSilence(db: Database, input: SilenceInput, by: string, now: number): Promise<Silence> {
  const problem = await validateSilence(db, input);
  const id = await insertId(
    db,
    'INSERT INTO silences (name, comment, kind, starts_at, ends_at, time_zone, start_time, end_time, weekdays, scopes, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [...columns(input, problem), by, now],
  );
  return presentSilence((await silenceById(db, id))!, now);
}

/** Replaces a silence's settings (validated as on create). */
export async function updateSilence(db: Database, id: number, input: SilenceInput, now: number): Promise<Silence> {
  if (!(await silenceById(db, id))) throw AlertErrors.SILENCE_NOT_FOUND(`silence ${id}`);
  const problem = await validateSilence(db, input, id);
  await db.sequelize.query('UPDATE silences SET name = ?, comment = ?, kind = ?, starts_at = ?, ends_at = ?, time_zone = ?, start_time = ?, end_time = ?, weekdays = ?, scopes = ? WHERE id = ?', {
    replacements: [...columns(input, problem), id],
  });
  return presentSilence((await silenceById(db, id))!, now);
}

/** Deletes a silence; what it held is released at the next check (the problem is notified once if still there). */
export async function deleteSilence(db: Database, id: number): Promise<SilenceRow> {
  const row = await silenceById(db, id);
  if (!row) throw AlertErrors.SILENCE_NOT_FOUND(`silence ${id}`);
  await db.sequelize.query('DELETE FROM silences WHERE id = ?', { replacements: [id] });
  return row;
}

/** A silence of one problem made by an action link: for `untilMs`, or (null) until the problem is ok. */
export async function muteProblem(db: Database, problem: Problem, untilMs: number | null, by: string, now: number): Promise<number> {
  const key = problemKey(problem);
  return insertId(db, 'INSERT INTO silences (name, comment, kind, starts_at, ends_at, scopes, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
    untilMs === null ? `Muted until ok: ${key}` : `Muted: ${key}`,
    'from a notification link',
    untilMs === null ? 'until-ok' : 'once',
    now,
    untilMs,
    JSON.stringify({ hostIds: [], groupIds: [], serviceIds: [], checkIds: [], pluginIds: [], problem: key }),
    by,
    now,
  ]);
}
