// The soak bench's compressed clock (docs/performance.md, "Soak"). From `startMs` (real epoch
// milliseconds) on, wall-clock time runs `scale` times faster: warped = startMs + (real −
// startMs) × scale; before it, warped = real. Timers are not touched: a keepalive, a reconnect
// backoff or a sweep interval still lasts its real milliseconds.
//
// Two users:
//  - the bench process gives its simulated agents `warpClock(warp)` (schedule clock only);
//  - the core's process is started with `node --import bench/_warp.ts …` and the warp in
//    PROPHASIS_SOAK_WARP (JSON): importing this file there replaces the global `Date` (`new
//    Date()`, `Date()`, `Date.now()`; every other use of `Date` is untouched), so every part of
//    the core that reads the time — schedules, maxLateness, retention, state times — sees the
//    same compressed clock as the agents.
// Node runs this file with its built-in type stripping (no tsx yet when it is preloaded), so it
// uses erasable syntax only and imports nothing but types.
import type { Clock } from '@prophasis/agent';

export interface Warp {
  /** Real epoch ms at which time starts running faster; `Infinity`: not yet. */
  startMs: number;
  /** Simulated milliseconds per real millisecond. */
  scale: number;
}

/** The environment variable that carries the warp into the core's process. */
export const WARP_ENV = 'PROPHASIS_SOAK_WARP';

/** A real time seen through the warp. */
export function warpedTime(warp: Warp, realMs: number): number {
  return realMs <= warp.startMs ? realMs : Math.floor(warp.startMs + (realMs - warp.startMs) * warp.scale);
}

/** The longest real wait of a warped timer before it looks at the clock again (the warp may start meanwhile). */
const MAX_REAL_WAIT_MS = 1_000;

/**
 * An agent schedule clock on the warp: `now()` is warped; `setTimeout(fn, ms)` fires once `ms`
 * warped milliseconds have passed (about ms / scale real ones).
 */
export function warpClock(warp: Warp): Clock {
  const now = () => warpedTime(warp, Date.now());
  return {
    now,
    setTimeout(fn, ms) {
      const due = now() + ms;
      const handle: { timer?: NodeJS.Timeout } = {};
      const wait = () => {
        const left = due - now();
        if (left <= 0) {
          fn();
          return;
        }
        const real = Date.now() < warp.startMs ? left : Math.ceil(left / warp.scale);
        handle.timer = setTimeout(wait, Math.min(real, MAX_REAL_WAIT_MS));
      };
      handle.timer = setTimeout(wait, 0);
      return handle;
    },
    clearTimeout(handle) {
      clearTimeout((handle as { timer?: NodeJS.Timeout } | undefined)?.timer);
    },
  };
}

/** Replaces the global `Date` with one on the warp (the core's process only). */
function installDateWarp(warp: Warp): void {
  const RealDate = Date;
  const realNow = RealDate.now;
  const now = () => warpedTime(warp, realNow());
  globalThis.Date = new Proxy(RealDate, {
    construct: (target, args: unknown[], newTarget: NewableFunction) => Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget) as object,
    apply: () => new RealDate(now()).toString(),
    get: (target, key, receiver: unknown) => (key === 'now' ? now : Reflect.get(target, key, receiver) as unknown),
  });
}

const fromEnvironment = process.env[WARP_ENV];
if (fromEnvironment) {
  const warp = JSON.parse(fromEnvironment) as Warp;
  if (!Number.isFinite(warp.startMs) || !(warp.scale >= 1)) throw new Error(`${WARP_ENV} must be {"startMs": epoch ms, "scale": ≥ 1}, got ${fromEnvironment}`);
  installDateWarp(warp);
}
