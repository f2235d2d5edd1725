import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import type { Transition } from './feed.js';
import { newDelivery, type Delivery } from './queue.js';
import type { AlertRule, EscalationStep } from './rules.js';
import { insertDeliveries } from './sequelize-store.js';
import { isSuppressed, parseProblemKey, problemKey } from './suppression.js';
import type { AlertNotice } from './types.js';

/*
 * Repeat and escalation (docs/alerts.md, "Repeat and escalation"): an alert with `repeatMs` or
 * escalation steps opens a row in `alert_problems` (migration 0007) when it notifies a problem
 * (a change to anything but ok) and keeps its next due times there, so they survive a restart;
 * the row goes when the problem is ok again (any transition of it to ok) or its alert is gone.
 */

/** Where one open problem of one alert is: when it started and what is due next. */
export interface ProblemTimes {
  openedAt: number;
  nextRepeatAt: number | null;
  /** Index of the next escalation step. */
  nextStep: number;
  nextEscalationAt: number | null;
}

/** The times of a problem an alert has just notified. */
export function openTimes(rule: Pick<AlertRule, 'repeatMs' | 'escalations'>, now: number): ProblemTimes {
  return {
    openedAt: now,
    nextRepeatAt: rule.repeatMs === null ? null : now + rule.repeatMs,
    nextStep: 0,
    nextEscalationAt: rule.escalations.length > 0 ? now + rule.escalations[0]!.afterMs : null,
  };
}

/**
 * What is due at `now`: a repeat (one, however many were missed while the core was down; the next
 * one `repeatMs` after now) and every escalation step whose time has come, in order. A suppressed
 * problem (acknowledged, silenced) gets no repeat (the next is pushed on) and its steps wait.
 */
export function dueAt(
  times: ProblemTimes,
  rule: Pick<AlertRule, 'repeatMs' | 'escalations'>,
  now: number,
  suppressed: boolean,
): { repeat: boolean; steps: EscalationStep[]; next: ProblemTimes } {
  const next = { ...times };
  let repeat = false;
  if (rule.repeatMs === null) next.nextRepeatAt = null;
  else if (next.nextRepeatAt === null || next.nextRepeatAt <= now) {
    repeat = next.nextRepeatAt !== null && !suppressed;
    next.nextRepeatAt = now + rule.repeatMs;
  }
  const steps: EscalationStep[] = [];
  if (!suppressed) {
    while (next.nextStep < rule.escalations.length && times.openedAt + rule.escalations[next.nextStep]!.afterMs <= now) steps.push(rule.escalations[next.nextStep++]!);
  }
  next.nextEscalationAt = next.nextStep < rule.escalations.length ? times.openedAt + rule.escalations[next.nextStep]!.afterMs : null;
  return { repeat, steps, next };
}

interface ProblemRow {
  id: number | string;
  alert_id: number | string;
  problem_key: string;
  notice: string;
  opened_at: number | string;
  next_repeat_at: number | string | null;
  next_step: number | string;
  next_escalation_at: number | string | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** Opens problems for the notices of alerts that repeat or escalate; closes every problem a transition of the batch made ok. */
export async function trackProblems(
  db: Pick<Database, 'sequelize'>,
  batch: readonly Transition[],
  matched: readonly { rule: AlertRule; notice: AlertNotice; transition: Transition }[],
  now: number,
): Promise<void> {
  const okKeys = [...new Set(batch.filter((t) => t.to === 'ok').map((t) => problemKey(t)))];
  if (okKeys.length > 0) await db.sequelize.query('DELETE FROM alert_problems WHERE problem_key IN (:keys)', { replacements: { keys: okKeys } });
  for (const { rule, notice, transition } of matched) {
    if ((rule.repeatMs === null && rule.escalations.length === 0) || transition.to === 'ok' || (notice.reason !== undefined && notice.reason !== 'transition' && notice.reason !== 'unreachable')) continue;
    const key = problemKey(transition);
    const replacements = { alertId: rule.id, key, notice: JSON.stringify({ ...notice, deliveryId: undefined }) };
    const [existing] = await db.sequelize.query<{ id: number }>('SELECT id FROM alert_problems WHERE alert_id = :alertId AND problem_key = :key', { type: QueryTypes.SELECT, replacements });
    if (existing) {
      // Worse or better but still a problem: the newest notice is repeated; its times keep running.
      await db.sequelize.query('UPDATE alert_problems SET notice = :notice WHERE id = :id', { replacements: { ...replacements, id: existing.id } });
      continue;
    }
    const t = openTimes(rule, now);
    await db.sequelize.query(
      `INSERT INTO alert_problems (alert_id, problem_key, notice, opened_at, next_repeat_at, next_step, next_escalation_at)
       VALUES (:alertId, :key, :notice, :openedAt, :nextRepeatAt, :nextStep, :nextEscalationAt)`,
      { replacements: { ...replacements, ...t } },
    );
  }
}

/**
 * The repeats and escalation steps due at `now`, stored as deliveries in the transaction that
 * moves the problems' due times on (so each is sent once, also across a restart); the caller
 * admits them to the queue. Problems whose alert is gone or disabled are closed.
 */
export async function dueDeliveries(db: Database, rules: readonly AlertRule[], now: number): Promise<Delivery[]> {
  const rows = await db.sequelize.query<ProblemRow>(
    'SELECT id, alert_id, problem_key, notice, opened_at, next_repeat_at, next_step, next_escalation_at FROM alert_problems WHERE next_repeat_at <= :now OR next_escalation_at <= :now ORDER BY id',
    { type: QueryTypes.SELECT, replacements: { now } },
  );
  const out: Delivery[] = [];
  for (const row of rows) {
    const rule = rules.find((r) => r.id === Number(row.alert_id));
    const problem = parseProblemKey(row.problem_key);
    if (!rule || !problem) {
      await db.sequelize.query('DELETE FROM alert_problems WHERE id = :id', { replacements: { id: row.id } });
      continue;
    }
    const times: ProblemTimes = { openedAt: Number(row.opened_at), nextRepeatAt: num(row.next_repeat_at), nextStep: Number(row.next_step), nextEscalationAt: num(row.next_escalation_at) };
    const suppressed = (await isSuppressed(db, problem, now)) !== null;
    const { repeat, steps, next } = dueAt(times, rule, now, suppressed);
    const notice = JSON.parse(row.notice) as AlertNotice;
    const deliveries = [
      ...(repeat ? [newDelivery({ alertId: rule.id, module: rule.module, settings: rule.settings, notice: { ...notice, reason: 'repeat' } }, now)] : []),
      ...steps.map((s) => newDelivery({ alertId: rule.id, module: s.module, settings: s.settings, notice: { ...notice, reason: 'escalation' } }, now)),
    ];
    await db.sequelize.transaction(async (transaction) => {
      await insertDeliveries(db.sequelize, deliveries, transaction);
      await db.sequelize.query('UPDATE alert_problems SET next_repeat_at = :nextRepeatAt, next_step = :nextStep, next_escalation_at = :nextEscalationAt WHERE id = :id', {
        replacements: { ...next, id: row.id },
        transaction,
      });
    });
    out.push(...deliveries);
  }
  return out;
}
