import type { PluginState } from '../../core/protocol';
import type { ChartSeries } from '../../shared/ui/chart.component';

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

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** A value with its unit as people read it: `93.5 %`, `12 ms`, `1.5 GiB`. */
export function formatValue(value: number | null, unit?: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  if (unit === 'bytes' || unit === 'B') {
    let v = value;
    let i = 0;
    while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
      v /= 1024;
      i++;
    }
    return `${round(v)} ${BYTE_UNITS[i]}`;
  }
  return unit ? `${round(value)} ${unit}` : round(value);
}

function round(v: number): string {
  const abs = Math.abs(v);
  const digits = abs >= 100 || Number.isInteger(v) ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { maximumFractionDigits: digits });
}
