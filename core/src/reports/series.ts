import { Op } from 'sequelize';
import type { Database } from '../db/index.js';

export interface SeriesPoints {
  /** 0 for raw results, otherwise the width of one point, ms. */
  resolutionMs: number;
  points: { t: number; value: number | null; min?: number | null; max?: number | null; count?: number }[];
}

const MAX_RAW_POINTS = 2_000;

/**
 * The time series of one host and plugin in `[from, to)`: raw results for short ranges, and
 * per-minute or per-hour rollups (avg with min/max) beyond, so a graph never reads more than a
 * few thousand points.
 */
export async function querySeriesPoints(db: Database, q: { hostId: number; pluginId: number; from: number; to: number }): Promise<SeriesPoints> {
  const span = q.to - q.from;
  if (span <= 6 * 3_600_000) {
    const rows = await db.models.Result.findAll({
      where: { hostId: q.hostId, pluginId: q.pluginId, measuredAt: { [Op.gte]: q.from, [Op.lt]: q.to } },
      attributes: ['measuredAt', 'value'],
      order: [['measuredAt', 'ASC']],
      limit: MAX_RAW_POINTS,
    });
    return { resolutionMs: 0, points: rows.map((r) => ({ t: r.measuredAt, value: r.value ?? null })) };
  }
  const [model, step] = span <= 3 * 86_400_000 ? [db.models.RollupMinute, 60_000] : [db.models.RollupHour, 3_600_000];
  const rows = await model.findAll({
    where: { hostId: q.hostId, pluginId: q.pluginId, bucketStart: { [Op.gte]: q.from - (q.from % step), [Op.lt]: q.to } },
    order: [['bucketStart', 'ASC']],
  });
  return {
    resolutionMs: step,
    points: rows.map((r) => ({
      t: r.bucketStart,
      value: r.valueCount > 0 ? r.valueSum / r.valueCount : null,
      min: r.valueMin,
      max: r.valueMax,
      count: r.valueCount,
    })),
  };
}
