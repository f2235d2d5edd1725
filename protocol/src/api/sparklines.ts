import { PluginId, Timestamp } from '../schema-common.js';
import { type Static, Type } from '@sinclair/typebox';
import { Nullable, ObjectId } from './common.js';

/** The REST API's shapes (protocol/src/api.ts): the host list's sparklines (docs/api.md, `GET /api/reports/sparklines`). */

/**
 * The first-party plugins whose values the host list draws as sparklines, in the order shown:
 * CPU, memory, disk (plugins/cpu-load, memory-usage, disk-usage).
 */
export const SPARKLINE_PLUGINS = ['io.prophasis.cpu-load', 'io.prophasis.memory-usage', 'io.prophasis.disk-usage'] as const;

/** Ranges of `GET /api/reports/sparklines`: how far back, in how many points of what width. */
export const SPARKLINE_RANGES = {
  hour: { points: 60, stepMs: 60_000 },
  day: { points: 24, stepMs: 3_600_000 },
  week: { points: 42, stepMs: 4 * 3_600_000 },
} as const;
export type SparklineRange = keyof typeof SPARKLINE_RANGES;

/** Most hosts one request may name: the host list's page. */
export const MAX_SPARKLINE_HOSTS = 200;

export const SparklineQuery = Type.Object(
  {
    /** Comma-separated host ids (at most {@link MAX_SPARKLINE_HOSTS}), e.g. `3,7,12`. */
    hostIds: Type.String({ minLength: 1, maxLength: 2400, pattern: '^[0-9]+(,[0-9]+)*$', description: `Comma-separated host ids, at most ${MAX_SPARKLINE_HOSTS}` }),
    range: Type.Union(
      Object.keys(SPARKLINE_RANGES).map((r) => Type.Literal(r)),
      { default: 'day' },
    ),
  },
  { additionalProperties: false },
);
export type SparklineQuery = { hostIds: string; range: SparklineRange };

/** A plugin drawn as a sparkline, with its manifest's chart hints (null where it declares none). */
const SparklinePlugin = Type.Object({
  pluginId: PluginId,
  name: Type.String(),
  unit: Nullable(Type.String()),
  min: Nullable(Type.Number()),
  max: Nullable(Type.Number()),
});

/** One host's series: for each plugin it has values of, the average of every point (null: no value in that point). */
const HostSparklines = Type.Object({
  hostId: ObjectId,
  series: Type.Array(Type.Object({ pluginId: PluginId, values: Type.Array(Nullable(Type.Number())) })),
});

/**
 * `GET /api/reports/sparklines`: point `i` of every series covers `[from + i·stepMs, from + (i+1)·stepMs)`;
 * `to` is the end of the last point. Hosts come in the order asked, each with the plugins it has values of.
 */
export const SparklinesResponse = Type.Object({
  from: Timestamp,
  to: Timestamp,
  stepMs: Type.Integer(),
  plugins: Type.Array(SparklinePlugin),
  hosts: Type.Array(HostSparklines),
});
export type SparklinesResponse = Static<typeof SparklinesResponse>;
