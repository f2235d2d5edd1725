/**
 * Severities, most to least severe (docs/protocol.md, "Severities and result types"). This
 * array is the single source of the order: every sort in the core and the console goes through
 * {@link compareSeverity}.
 * `critical` is reserved for services; hosts and plugins stop at `major`.
 */
export const SEVERITIES = ['critical', 'major', 'minor', 'degraded', 'unknown', 'ok', 'no_data'] as const;

export type Severity = (typeof SEVERITIES)[number];

const RANK: Readonly<Record<Severity, number>> = Object.freeze(
  Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<Severity, number>,
);

/** True when `value` is one of the seven severity names. */
export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** Position in the order, 0 = most severe. */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/**
 * Sort comparator: negative when `a` is more severe than `b`, so `list.sort(compareSeverity)`
 * puts the worst first.
 */
export function compareSeverity(a: Severity, b: Severity): number {
  return RANK[a] - RANK[b];
}

/** The most severe of the given severities; `fallback` (default `no_data`) for an empty list. */
export function worstSeverity(severities: Iterable<Severity>, fallback: Severity = 'no_data'): Severity {
  let worst: Severity | undefined;
  for (const s of severities) {
    if (worst === undefined || RANK[s] < RANK[worst]) worst = s;
  }
  return worst ?? fallback;
}

/** True when `a` is strictly more severe than `b`. */
export function isWorse(a: Severity, b: Severity): boolean {
  return RANK[a] < RANK[b];
}

/**
 * Result types of the original design: `plugin` is a successful measurement, the others say
 * why there is no measurement.
 */
export const RESULT_TYPES = [
  'plugin',
  'command_unsuccessful',
  'authentication_error',
  'request_error',
  'connection_error',
  'connection_timeout',
] as const;

export type ResultType = (typeof RESULT_TYPES)[number];

/** True when `value` is a known result type. */
export function isResultType(value: unknown): value is ResultType {
  return typeof value === 'string' && (RESULT_TYPES as readonly string[]).includes(value);
}
