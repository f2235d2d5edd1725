import type { ClassifierHistoryResult, Severity } from '@prophasis/protocol';
import { Op } from 'sequelize';
import type { Database } from '../db/index.js';
import type { ClassificationEngine } from './engine.js';
import type { ClassifierParam, ClassifyOutcome, ClassifyRequest } from './types.js';

/** At most this many results are classified per run; a longer range is cut (and says so). */
const HISTORY_LIMIT = 10_000;
/** Requests per engine call: the engine splits a batch over its workers anyway. */
const BATCH = 1000;

export interface HistoryRun {
  code: string;
  hostId: number;
  pluginRowId: number;
  /** The plugin's history window n (the newest approved version's). */
  historyCount: number;
  from: number;
  to: number;
  /** Replaces every result's check parameters when given. */
  params?: Readonly<Record<string, ClassifierParam>> | undefined;
  limit?: number;
}

interface Row {
  checkId: number | null;
  slotAt: number | null;
  measuredAt: number;
  value: number | null;
  message: string | null;
  resultType: string;
}

const ATTRIBUTES = ['id', 'checkId', 'slotAt', 'measuredAt', 'value', 'message', 'resultType'];

/**
 * Runs a candidate classifier over a host's stored results of one plugin measured in
 * `[from, to]`, as the ingest would have: in slot order (`slotAt`, else the measured time), each
 * result classified with the window of the last n results ending at itself. The window of the
 * first results reaches back before `from`, so the first point sees what the ingest saw. Results
 * are classified in batches through the engine; nothing is written.
 */
export async function runClassifierHistory(db: Database, engine: Pick<ClassificationEngine, 'classify'>, run: HistoryRun): Promise<ClassifierHistoryResult> {
  const limit = run.limit ?? HISTORY_LIMIT;
  const n = Math.max(1, run.historyCount);
  const { Result, CheckPlugin } = db.models;
  const where = { hostId: run.hostId, pluginId: run.pluginRowId };
  const [inRange, before] = await Promise.all([
    Result.findAll({ where: { ...where, measuredAt: { [Op.between]: [run.from, run.to] } }, attributes: ATTRIBUTES, order: [['measuredAt', 'ASC'], ['id', 'ASC']], limit: limit + 1, raw: true }),
    n > 1
      ? Result.findAll({ where: { ...where, measuredAt: { [Op.lt]: run.from } }, attributes: ATTRIBUTES, order: [['measuredAt', 'DESC'], ['id', 'DESC']], limit: n - 1, raw: true })
      : Promise.resolve([]),
  ]);
  const capped = inRange.length > limit;
  const rows = (capped ? inRange.slice(0, limit) : inRange).map(toRow);
  const prior = before.map(toRow);
  const order = (r: Row) => r.slotAt ?? r.measuredAt;
  const bySlot = (a: Row, b: Row) => order(a) - order(b) || a.measuredAt - b.measuredAt;
  rows.sort(bySlot);
  prior.sort(bySlot);

  // Without explicit parameters each result sees its own check's, as at ingest time.
  const paramsOf = new Map<number, Record<string, ClassifierParam>>();
  if (!run.params) {
    const checkIds = [...new Set(rows.map((r) => r.checkId).filter((c): c is number => c !== null))];
    if (checkIds.length > 0) {
      const cps = await CheckPlugin.findAll({ where: { pluginId: run.pluginRowId, checkId: checkIds }, attributes: ['checkId', 'params'] });
      for (const cp of cps) paramsOf.set(cp.checkId, (cp.params ?? {}) as Record<string, ClassifierParam>);
    }
  }

  const series = [...prior, ...rows];
  const requests: ClassifyRequest[] = rows.map((r, i) => {
    const end = prior.length + i + 1;
    const window = series.slice(Math.max(0, end - n), end);
    return {
      classifierKey: 'history-test',
      code: run.code,
      values: window.map((w) => w.value),
      messages: window.map((w) => w.message),
      resultTypes: window.map((w) => w.resultType),
      params: run.params ?? (r.checkId === null ? {} : (paramsOf.get(r.checkId) ?? {})),
    };
  });
  const outcomes: ClassifyOutcome[] = [];
  for (let i = 0; i < requests.length; i += BATCH) outcomes.push(...(await engine.classify(requests.slice(i, i + BATCH))));

  const points: ClassifierHistoryResult['points'] = [];
  const transitions: ClassifierHistoryResult['transitions'] = [];
  const counts: Record<string, number> = {};
  let errors = 0;
  let previous: Severity | undefined;
  rows.forEach((r, i) => {
    const outcome = outcomes[i]!;
    points.push({ at: r.measuredAt, value: r.value, severity: outcome.severity, ...(outcome.error ? { error: outcome.error } : {}) });
    counts[outcome.severity] = (counts[outcome.severity] ?? 0) + 1;
    if (outcome.error) errors++;
    if (previous !== undefined && previous !== outcome.severity) transitions.push({ at: r.measuredAt, from: previous, to: outcome.severity });
    previous = outcome.severity;
  });
  return { points, transitions, counts, transitionCount: transitions.length, errors, capped, limit, historyCount: n };
}

function toRow(r: unknown): Row {
  const x = r as Record<string, unknown>;
  return {
    checkId: x.checkId == null ? null : Number(x.checkId),
    slotAt: x.slotAt == null ? null : Number(x.slotAt),
    measuredAt: Number(x.measuredAt),
    value: x.value == null ? null : Number(x.value),
    message: x.message == null ? null : String(x.message),
    resultType: String(x.resultType),
  };
}
