/*
 * Flap detection (docs/alerts.md, "Flapping"): the scheme Nagios and Icinga document ("Detection
 * and Handling of State Flapping"): over the last n states of a series, the percent of possible
 * state changes that happened, each change weighted from 0.75 (the oldest) to 1.25 (the newest)
 * so recent changes count more; flapping starts at or above the high threshold, stops at or below
 * the low one, and in between nothing changes (hysteresis).
 */

/** Thresholds in percent of weighted state changes, and the number of states looked at. */
export interface FlapThresholds {
  lowPercent: number;
  highPercent: number;
  /** States looked at (Nagios: 21, so 20 possible changes). */
  window: number;
}

export const FLAP_DEFAULTS: Readonly<FlapThresholds> = Object.freeze({ lowPercent: 20, highPercent: 30, window: 21 });

const LOW_WEIGHT = 0.75;
const HIGH_WEIGHT = 1.25;

/**
 * The weighted percent state change of `states` (oldest first); only the newest `window` count.
 * Fewer states are padded with the oldest one (a series that just started has not changed).
 */
export function flapScore(states: readonly string[], window: number = FLAP_DEFAULTS.window): number {
  if (states.length < 2 || window < 3) return 0;
  const recent = states.slice(-window);
  const padded = [...Array<string>(window - recent.length).fill(recent[0]!), ...recent];
  let weighted = 0;
  for (let x = 1; x < window; x++) {
    if (padded[x] !== padded[x - 1]) weighted += LOW_WEIGHT + ((x - 1) * (HIGH_WEIGHT - LOW_WEIGHT)) / (window - 2);
  }
  return (weighted * 100) / (window - 1);
}

/** Whether a series is flapping after a score: on at `highPercent`, off at `lowPercent`, unchanged between. */
export function isFlapping(wasFlapping: boolean, score: number, t: Pick<FlapThresholds, 'lowPercent' | 'highPercent'>): boolean {
  if (score >= t.highPercent) return true;
  if (score <= t.lowPercent) return false;
  return wasFlapping;
}
