import { PROBLEM_SEVERITIES, type CurrentProblem, type ProblemsOverTime } from '../../core/protocol';
import { SEVERITY_COLORS, type ChartSeries } from '../../shared/ui/chart.component';
import { SEVERITY_LABELS } from '../../shared/ui/severity';

/** The first-party plugins of the "Busiest hosts" panel, in the order shown. */
export const BUSIEST_PLUGINS = [
  { pluginId: 'io.prophasis.cpu-load', title: 'CPU' },
  { pluginId: 'io.prophasis.memory-usage', title: 'Memory' },
  { pluginId: 'io.prophasis.disk-usage', title: 'Disk' },
] as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The ranges of "Problems over time", each with how many buckets it is cut into. */
export const OVER_TIME_RANGES = [
  { preset: 'hour', label: 'Hour', ms: HOUR, buckets: 60 },
  { preset: 'day', label: 'Day', ms: DAY, buckets: 48 },
  { preset: 'week', label: 'Week', ms: 7 * DAY, buckets: 56 },
  { preset: 'month', label: '30 days', ms: 30 * DAY, buckets: 60 },
] as const;

type OverTimePreset = (typeof OVER_TIME_RANGES)[number]['preset'];

/** A preset ending now, or a span chosen by dragging across the chart (`custom`). */
export type OverTimeChoice = { preset: OverTimePreset } | { preset: 'custom'; from: number; to: number };

const CUSTOM_BUCKETS = 60;

/** Reads the URL query (`range`, `from`, `to`); anything unreadable is the last day. */
export function overTimeChoice(range: string | undefined, from: string | undefined, to: string | undefined): OverTimeChoice {
  if (range === 'custom') {
    const f = Number(from);
    const t = Number(to);
    if (Number.isSafeInteger(f) && Number.isSafeInteger(t) && f >= 0 && f < t) return { preset: 'custom', from: f, to: t };
  }
  const preset = OVER_TIME_RANGES.find((r) => r.preset === range);
  return { preset: preset?.preset ?? 'day' };
}

/** The URL query of a choice; the default (last day) leaves the URL clean. */
export function overTimeQuery(choice: OverTimeChoice): Record<string, string | null> {
  if (choice.preset === 'custom') return { range: 'custom', from: String(choice.from), to: String(choice.to) };
  return { range: choice.preset === 'day' ? null : choice.preset, from: null, to: null };
}

/** What `GET /api/reports/problems-over-time` is asked for: a preset ends now and slides with each reload. */
export function overTimeRequest(choice: OverTimeChoice, now: number): { from: number; to: number; buckets: number } {
  if (choice.preset === 'custom') return { from: choice.from, to: choice.to, buckets: CUSTOM_BUCKETS };
  const r = OVER_TIME_RANGES.find((x) => x.preset === choice.preset) ?? OVER_TIME_RANGES[1];
  return { from: now - r.ms, to: now, buckets: r.buckets };
}

/**
 * The stacked series of problems per severity: one per problem severity, worst at the bottom,
 * each point the count of its bucket at the bucket's start, in the severity's colour; the last
 * bucket's count is repeated at `to`, so the chart reaches the end of the range.
 */
export function overTimeSeries(data: ProblemsOverTime): ChartSeries[] {
  const last = data.buckets[data.buckets.length - 1];
  return PROBLEM_SEVERITIES.map((severity) => ({
    name: SEVERITY_LABELS[severity],
    color: SEVERITY_COLORS[severity],
    points: [...data.buckets.map((b) => ({ t: b.t, value: b.counts[severity] })), ...(last && last.t < data.to ? [{ t: data.to, value: last.counts[severity] }] : [])],
  }));
}

/** The largest number of problems in one bucket (0 when there were none in the whole range). */
export function overTimePeak(data: ProblemsOverTime): number {
  return Math.max(0, ...data.buckets.map((b) => PROBLEM_SEVERITIES.reduce((sum, s) => sum + b.counts[s], 0)));
}

/** A problem in words: "db-1 · Disk usage", "web-2 (agent unreachable)", "shop". */
export function problemSubject(p: CurrentProblem): string {
  if (p.kind === 'service') return p.serviceName ?? `service ${p.serviceId}`;
  const host = p.hostName ?? `host ${p.hostId}`;
  if (p.kind === 'host') return `${host} · agent unreachable`;
  return `${host} · ${p.pluginName ?? p.pluginId ?? 'plugin'}`;
}

/** The page a problem links to: the service report or the host report. */
export function problemLink(p: CurrentProblem): (string | number)[] | undefined {
  if (p.serviceId !== null) return ['/reports/services', p.serviceId];
  if (p.hostId !== null) return ['/hosts', p.hostId, 'detail'];
  return undefined;
}
