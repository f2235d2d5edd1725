import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import { currentSeverity, holdNotice, loadSuppression, parseProblemKey, problemKey, type HeldNotice, type Problem } from './suppression.js';
import type { AlertNotice } from './types.js';

const json = <T>(v: unknown, fallback: T): T => {
  if (v == null) return fallback;
  try {
    return (typeof v === 'string' ? JSON.parse(v) : v) as T;
  } catch {
    return fallback;
  }
};

/**
 * Keeps the newest notice per (problem, alert) while a down parent causes the problem
 * (docs/alerts.md, "Dependencies"), like a silence's held notice: sent once when no parent holds
 * it any more and the problem is still there.
 */
export async function holdForParent(db: Database, parentId: number, problem: Problem, held: HeldNotice, now: number): Promise<void> {
  await db.sequelize.query(
    `INSERT INTO dependency_held (problem_key, alert_id, parent_id, module, settings, notice, held_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (problem_key, alert_id) DO UPDATE SET parent_id = excluded.parent_id, module = excluded.module, settings = excluded.settings, notice = excluded.notice, held_at = excluded.held_at`,
    { replacements: [problemKey(problem), held.alertId, parentId, held.module, JSON.stringify(held.settings), JSON.stringify(held.notice), now] },
  );
}

/**
 * A notice of a problem no parent holds now: forgets what was held for it under this alert and
 * says whether something was. A recovery of a problem whose notice was held is not sent (nobody
 * was told of the problem); any other notice is sent and replaces the held one.
 */
export async function takeHeldForParent(db: Database, problem: Problem, alertId: number): Promise<boolean> {
  const key = problemKey(problem);
  const rows = await db.sequelize.query('SELECT alert_id FROM dependency_held WHERE problem_key = ? AND alert_id = ?', { type: QueryTypes.SELECT, replacements: [key, alertId] });
  if (rows.length === 0) return false;
  await db.sequelize.query('DELETE FROM dependency_held WHERE problem_key = ? AND alert_id = ?', { replacements: [key, alertId] });
  return true;
}

/**
 * The held notices whose problems no down parent causes any more, for problems that are still
 * there (not ok, not acknowledged, and the newest notice held not a recovery): one per (problem, alert), to be sent once with reason
 * `dependency-ended`. A problem now caused by another down ancestor stays held under it; one a
 * silence covers moves to the silence's held notices; one that is ok again or gone is dropped.
 */
export async function releaseHeldForParents(db: Database, now: number): Promise<HeldNotice[]> {
  const rows = await db.sequelize.query<{ problem_key: string; alert_id: number; parent_id: number; module: string; settings: string; notice: string }>(
    'SELECT problem_key, alert_id, parent_id, module, settings, notice FROM dependency_held ORDER BY held_at',
    { type: QueryTypes.SELECT },
  );
  if (rows.length === 0) return [];
  const snapshot = await loadSuppression(db);
  const out: HeldNotice[] = [];
  for (const r of rows) {
    const problem = parseProblemKey(r.problem_key);
    const why = problem ? snapshot.check(problem, now) : null;
    if (why?.by === 'dependency') {
      if (why.hostId !== Number(r.parent_id)) await db.sequelize.query('UPDATE dependency_held SET parent_id = ? WHERE problem_key = ? AND alert_id = ?', { replacements: [why.hostId, r.problem_key, r.alert_id] });
      continue;
    }
    await db.sequelize.query('DELETE FROM dependency_held WHERE problem_key = ? AND alert_id = ?', { replacements: [r.problem_key, r.alert_id] });
    if (!problem || why?.by === 'acknowledgement') continue;
    const held: HeldNotice = { alertId: Number(r.alert_id), module: r.module, settings: json(r.settings, {}), notice: json(r.notice, {} as AlertNotice) };
    // The newest notice held is a recovery: nobody was told of the problem, nobody needs its end.
    if (held.notice.to === 'ok') continue;
    const severity = await currentSeverity(db, problem);
    if (severity === null || severity === 'ok') continue;
    if (why?.by === 'silence') {
      await holdNotice(db, why.id, problem, held, now);
      continue;
    }
    out.push(held);
  }
  return out;
}
