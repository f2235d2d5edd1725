import { compareSeverity, SEVERITIES, type Severity } from '../../core/protocol';

/** Words shown next to the colour, so the state never depends on colour vision alone. */
export const SEVERITY_LABELS: Readonly<Record<Severity, string>> = {
  critical: 'Critical',
  major: 'Major',
  minor: 'Minor',
  degraded: 'Degraded',
  unknown: 'Unknown',
  ok: 'OK',
  no_data: 'No data',
};

/** A copy of `items` sorted worst first by protocol's order; ties keep their order by `tieBreak`. */
export function sortWorstFirst<T>(items: readonly T[], severityOf: (item: T) => Severity, tieBreak?: (a: T, b: T) => number): T[] {
  return [...items].sort((a, b) => compareSeverity(severityOf(a), severityOf(b)) || (tieBreak ? tieBreak(a, b) : 0));
}

/** Counts per severity for every severity, in protocol order (zero counts included). */
export function countBySeverity(severities: Iterable<Severity>): { severity: Severity; count: number }[] {
  const counts = new Map<Severity, number>(SEVERITIES.map((s) => [s, 0]));
  for (const s of severities) counts.set(s, (counts.get(s) ?? 0) + 1);
  return SEVERITIES.map((severity) => ({ severity, count: counts.get(severity) ?? 0 }));
}
