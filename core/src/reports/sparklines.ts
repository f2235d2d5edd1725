import { compareSemver, MAX_SPARKLINE_HOSTS, SPARKLINE_PLUGINS, SPARKLINE_RANGES, type SparklineRange, type SparklinesResponse } from '@prophasis/protocol';
import { QueryTypes } from 'sequelize';
import type { Database } from '../db/index.js';
import { ApiErrors } from '../kernel/index.js';

/** Rollup table a range reads: minutes for the last hour, hours beyond (a point is a whole number of buckets). */
const TABLE: Record<SparklineRange, 'rollups_minute' | 'rollups_hour'> = { hour: 'rollups_minute', day: 'rollups_hour', week: 'rollups_hour' };

/**
 * `hostIds` as the query names them (`3,7,12`): distinct, in order. Refuses more than
 * {@link MAX_SPARKLINE_HOSTS} ids and ids out of range, naming the field.
 */
export function parseHostIds(text: string): number[] {
  const ids = [...new Set(text.split(',').map(Number))];
  if (ids.length > MAX_SPARKLINE_HOSTS) throw ApiErrors.BAD_REQUEST(`hostIds: at most ${MAX_SPARKLINE_HOSTS} hosts per request`, { field: 'hostIds' });
  if (ids.some((id) => !Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647)) throw ApiErrors.BAD_REQUEST('hostIds: each id must be a positive integer', { field: 'hostIds' });
  return ids;
}

interface ChartHints {
  unit?: unknown;
  min?: unknown;
  max?: unknown;
  label?: unknown;
}

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The host list's sparklines (docs/api.md, `GET /api/reports/sparklines`): for each asked host, the averages of
 * the first-party CPU, memory and disk plugins over the range, point by point, read from the
 * rollups in ONE grouped query whatever the number of hosts (at most 200), so the list costs one
 * request per page. Points are aligned to whole steps (UTC) and the last one ends after `now`;
 * a point without values is null (a hole, as in every chart). Unknown host ids are answered
 * without series, not refused: the list may name a host deleted a moment ago.
 */
export async function querySparklines(db: Database, hostIds: readonly number[], range: SparklineRange, now: number): Promise<SparklinesResponse> {
  const { points, stepMs } = SPARKLINE_RANGES[range];
  const to = Math.floor(now / stepMs) * stepMs + stepMs;
  const from = to - points * stepMs;
  const plugins = await db.models.Plugin.findAll({ where: { pluginId: [...SPARKLINE_PLUGINS] }, attributes: ['id', 'pluginId', 'name'] });
  const order = (pluginId: string) => SPARKLINE_PLUGINS.indexOf(pluginId as (typeof SPARKLINE_PLUGINS)[number]);
  plugins.sort((a, b) => order(a.pluginId) - order(b.pluginId));
  const hints = await chartHints(db, plugins.map((p) => p.id));
  const values = new Map<string, (number | null)[]>();
  if (plugins.length > 0 && hostIds.length > 0) {
    // One statement for every host and plugin; the point index is computed in SQL on both dialects
    // (integer division of BIGINTs), so at most hosts × 3 × points rows come back.
    const rows = await db.sequelize.query<{ hostId: number | string; pluginId: number | string; point: number | string; sum: number | string | null; count: number | string }>(
      `SELECT host_id AS "hostId", plugin_id AS "pluginId", (bucket_start - :from) / :step AS "point",
              SUM(value_sum) AS "sum", SUM(value_count) AS "count"
         FROM ${TABLE[range]}
        WHERE host_id IN (:hosts) AND plugin_id IN (:plugins) AND bucket_start >= :from AND bucket_start < :to
        GROUP BY 1, 2, 3`,
      { type: QueryTypes.SELECT, replacements: { from, to, step: stepMs, hosts: [...hostIds], plugins: plugins.map((p) => p.id) } },
    );
    for (const r of rows) {
      const count = Number(r.count);
      const point = Number(r.point);
      if (count <= 0 || r.sum === null || point < 0 || point >= points) continue;
      const key = `${Number(r.hostId)}|${Number(r.pluginId)}`;
      let series = values.get(key);
      if (!series) values.set(key, (series = new Array<number | null>(points).fill(null)));
      series[point] = Number(r.sum) / count;
    }
  }
  return {
    from,
    to,
    stepMs,
    plugins: plugins.map((p) => {
      const h = hints.get(p.id) ?? {};
      return { pluginId: p.pluginId, name: p.name || (typeof h.label === 'string' ? h.label : p.pluginId), unit: typeof h.unit === 'string' ? h.unit : null, min: numberOrNull(h.min), max: numberOrNull(h.max) };
    }),
    hosts: hostIds.map((hostId) => ({
      hostId,
      series: plugins.flatMap((p) => {
        const series = values.get(`${hostId}|${p.id}`);
        return series ? [{ pluginId: p.pluginId, values: series }] : [];
      }),
    })),
  };
}

/** The chart hints of each plugin's newest stored version (`manifest.chart`), by plugin row id. */
async function chartHints(db: Database, pluginRowIds: readonly number[]): Promise<Map<number, ChartHints>> {
  if (pluginRowIds.length === 0) return new Map();
  const versions = await db.models.PluginVersion.findAll({ where: { pluginId: [...pluginRowIds] }, attributes: ['pluginId', 'version', 'manifest'] });
  const newest = new Map<number, { version: string; chart: ChartHints }>();
  for (const v of versions) {
    const current = newest.get(v.pluginId);
    if (current && compareSemver(v.version, current.version) <= 0) continue;
    const chart = (v.manifest as { chart?: unknown } | null)?.chart;
    newest.set(v.pluginId, { version: v.version, chart: chart && typeof chart === 'object' ? (chart as ChartHints) : {} });
  }
  return new Map([...newest].map(([id, v]) => [id, v.chart]));
}
