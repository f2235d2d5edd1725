import type { PluginState } from '../../core/protocol';
import type { ChartBand, ChartSeries } from '../../shared/ui/chart.component';

export type SeriesPoint = PluginState['series'][number];

/**
 * The longest step between two points that is still one line, ms. Rollups have one point per
 * bucket, so a missing bucket is a gap; raw results arrive at the check's interval, so a step of
 * more than 2.5 × the usual (median) step is one. Undefined when there are too few points to tell.
 */
export function gapThreshold(points: readonly SeriesPoint[], resolutionMs: number): number | undefined {
  if (resolutionMs > 0) return resolutionMs * 1.5;
  if (points.length < 3) return undefined;
  const steps: number[] = [];
  for (let i = 1; i < points.length; i++) steps.push((points[i] as SeriesPoint).t - (points[i - 1] as SeriesPoint).t);
  steps.sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)] ?? 0;
  return median > 0 ? median * 2.5 : undefined;
}

/**
 * One plugin's series as the chart wrapper takes it, with an explicit `null` point wherever no
 * data came for longer than {@link gapThreshold}, so the chart shows a hole there rather than a
 * line across the outage. Points are sorted by time; non-finite values become gaps too.
 */
export function toChartSeries(name: string, points: readonly SeriesPoint[], resolutionMs: number): { series: ChartSeries; gapMs: number | undefined } {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const gapMs = gapThreshold(sorted, resolutionMs);
  const out: { t: number; value: number | null }[] = [];
  let previous: SeriesPoint | undefined;
  for (const p of sorted) {
    if (previous && gapMs !== undefined && p.t - previous.t > gapMs) out.push({ t: previous.t + Math.round((p.t - previous.t) / 2), value: null });
    out.push({ t: p.t, value: p.value !== null && Number.isFinite(p.value) ? p.value : null });
    previous = p;
  }
  return { series: { name, points: out }, gapMs };
}

/** True when the plugin reports numbers (and so gets a chart) rather than only messages. */
export function isNumeric(state: Pick<PluginState, 'value' | 'series'>): boolean {
  return state.value !== null || state.series.some((p) => p.value !== null);
}

const SEVERITY_WORDS = ['minor', 'major', 'critical'] as const;

/**
 * The classifier's thresholds as chart bands, from a check's parameters as the first-party
 * classifiers name them: `minorAbove`, `majorAbove`, `criticalAbove` (a band from each up to the
 * next, the last open upwards) and `minorBelow`, `majorBelow`, `criticalBelow` (down to the next,
 * the last open downwards). Non-numbers are ignored; no thresholds, no bands.
 */
export function thresholdBands(params: Readonly<Record<string, unknown>>): ChartBand[] {
  const found = (suffix: 'Above' | 'Below') =>
    SEVERITY_WORDS.flatMap((severity) => {
      const v = params[severity + suffix];
      return typeof v === 'number' && Number.isFinite(v) ? [{ severity, at: v }] : [];
    });
  const above = found('Above').sort((a, b) => a.at - b.at);
  const below = found('Below').sort((a, b) => b.at - a.at);
  return [
    ...above.map((b, i) => ({ from: b.at, ...(above[i + 1] ? { to: above[i + 1]!.at } : {}), severity: b.severity })),
    ...below.map((b, i) => ({ ...(below[i + 1] ? { from: below[i + 1]!.at } : {}), to: b.at, severity: b.severity })),
  ];
}

/**
 * The parameters a plugin runs with in a check: the check's own, over the defaults of the
 * plugin's parameter schema (`properties.<name>.default`), as the agent fills them in.
 */
export function effectiveParams(schema: unknown, params: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const properties = (schema as { properties?: unknown } | undefined)?.properties;
  if (properties && typeof properties === 'object') {
    for (const [name, property] of Object.entries(properties as Record<string, unknown>)) {
      const d = (property as { default?: unknown } | null)?.default;
      if (d !== undefined) out[name] = d;
    }
  }
  return { ...out, ...params };
}
