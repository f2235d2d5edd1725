import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import type { Transition } from './feed.js';
import type { AlertNotice } from './types.js';

type Details = Pick<AlertNotice, 'check' | 'result'>;

const unitOf = (manifest: unknown): string | null => {
  const parsed: unknown = typeof manifest === 'string' ? JSON.parse(manifest) : manifest;
  const unit = (parsed as { chart?: { unit?: unknown } } | null)?.chart?.unit;
  return typeof unit === 'string' && unit !== '' ? unit : null;
};

/**
 * For each plugin transition: the result that changed the state (the series' result measured at
 * the transition's time: value, message, when it was measured and received), the check that ran
 * it and the unit the plugin's newest manifest declares (`chart.unit`). One query per
 * transition for the result, one for checks and one for units.
 */
export async function noticeDetails(db: Pick<Database, 'sequelize'>, transitions: readonly Transition[]): Promise<Map<Transition, Details>> {
  const select = <T extends object>(sql: string, replacements: Record<string, unknown>) => db.sequelize.query<T>(sql, { type: QueryTypes.SELECT, replacements });
  const out = new Map<Transition, Details>();
  const found: { t: Transition; row: { value: number | string | null; message: string | null; check_id: number | null; measured_at: number | string; received_at: number | string } }[] = [];
  for (const t of new Set(transitions)) {
    if (t.hostId === null || t.pluginId === null || t.serviceId !== null) continue;
    const [row] = await select<(typeof found)[number]['row']>(
      'SELECT value, message, check_id, measured_at, received_at FROM results WHERE host_id = :hostId AND plugin_id = :pluginId AND measured_at <= :at ORDER BY measured_at DESC, id DESC LIMIT 1',
      { hostId: t.hostId, pluginId: t.pluginId, at: t.at },
    );
    if (row) found.push({ t, row });
    else out.set(t, { check: null, result: null });
  }
  if (found.length === 0) return out;
  const checkIds = [...new Set(found.map((f) => f.row.check_id).filter((v): v is number => v !== null).map(Number))];
  const checks = checkIds.length === 0 ? [] : await select<{ id: number; name: string }>('SELECT id, name FROM checks WHERE id IN (:ids)', { ids: checkIds });
  const pluginIds = [...new Set(found.map((f) => f.t.pluginId!))];
  const versions = await select<{ plugin_id: number; manifest: unknown }>('SELECT plugin_id, manifest FROM plugin_versions WHERE plugin_id IN (:ids) ORDER BY id', { ids: pluginIds });
  const units = new Map<number, string | null>();
  for (const v of versions) {
    try {
      units.set(Number(v.plugin_id), unitOf(v.manifest)); // the newest version wins
    } catch {
      units.set(Number(v.plugin_id), null);
    }
  }
  const checkName = new Map(checks.map((c) => [Number(c.id), c.name]));
  for (const { t, row } of found) {
    const checkId = row.check_id === null ? null : Number(row.check_id);
    out.set(t, {
      check: checkId !== null && checkName.has(checkId) ? { id: checkId, name: checkName.get(checkId)! } : null,
      result: {
        value: row.value === null ? null : Number(row.value),
        unit: units.get(t.pluginId!) ?? null,
        message: row.message,
        measuredAt: Number(row.measured_at),
        receivedAt: Number(row.received_at),
      },
    });
  }
  return out;
}

/** The console page of a notice's host (its report) or service, under `base` (no trailing slash). */
export function consoleLink(base: string, target: AlertNotice['target']): string | undefined {
  if (base === '' || target.id <= 0) return undefined;
  return target.kind === 'host' ? `${base}/hosts/${target.id}/detail` : `${base}/services/${target.id}`;
}
