import { SEVERITIES, type ClassifierHistoryResult, type ClassifierOverride, type Severity } from '../../core/protocol';
import type { ChartSeries } from '../../shared/ui/chart.component';

export type OverrideScope = ClassifierOverride['scope'];
export type TestRange = 'day' | 'week' | 'custom';

const DAY_MS = 86_400_000;

/** Scope kinds in the order the console offers them, most specific first (as the resolver ranks them). */
export const OVERRIDE_SCOPES: readonly { scope: OverrideScope; label: string }[] = [
  { scope: 'check', label: 'Check' },
  { scope: 'host', label: 'Host' },
  { scope: 'group', label: 'Host group' },
];

/**
 * `[from, to]` in epoch ms for a range choice; `custom` reads two `datetime-local` values (local
 * time) and gives `undefined` while either is empty or they are the wrong way round.
 */
export function testRange(range: TestRange, now: number, customFrom = '', customTo = ''): { from: number; to: number } | undefined {
  if (range === 'day') return { from: now - DAY_MS, to: now };
  if (range === 'week') return { from: now - 7 * DAY_MS, to: now };
  const from = customFrom ? new Date(customFrom).getTime() : NaN;
  const to = customTo ? new Date(customTo).getTime() : NaN;
  if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) return undefined;
  return { from, to };
}

/** The API's counts (only severities that occurred) in protocol order, worst first. */
export function countsInOrder(counts: ClassifierHistoryResult['counts']): { severity: Severity; count: number }[] {
  return SEVERITIES.filter((s) => (counts[s] ?? 0) > 0).map((severity) => ({ severity, count: counts[severity] ?? 0 }));
}

/** The tested values as one chart series (a point without value is a gap). */
export function valueSeries(result: ClassifierHistoryResult): ChartSeries[] {
  return [{ name: 'Value', points: result.points.map((p) => ({ t: p.at, value: p.value })) }];
}

/** "changed state 1 time" / "N times". */
export function transitionSentence(count: number): string {
  return `This rule would have changed state ${count} ${count === 1 ? 'time' : 'times'}`;
}
