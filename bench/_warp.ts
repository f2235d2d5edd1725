// The soak bench's compressed clock (docs/performance.md, "Soak"). From `startMs` (real epoch
// milliseconds) on, wall-clock time runs `scale` times faster: warped = startMs + (real −
// startMs) × scale; before it, warped = real. Timers are not touched: a keepalive, a reconnect
// backoff or a sweep interval still lasts its real milliseconds.
//
// Two users:
//  - the bench process gives its simulated agents `warpClock(warp)` (schedule clock only);
//  - the core's process is started with `node --import bench/_warp.ts …` and
//    PROPHASIS_SOAK_WARP = {"scale": N, "startFile": PATH} (JSON): importing this file there
//    replaces the global `Date` (`new Date()`, `Date()`, `Date.now()`; every other use of `Date`
//    is untouched), so every part of the core that reads the time — schedules, maxLateness,
//    retention, state times — sees the same compressed clock as the agents. The start is read
//    from `startFile` (epoch ms) when the process starts and, until the file has one, every
//    100 ms: the bench writes it, a little ahead, once everything is set up, so the running core
//    needs no restart and a restarted one continues where the clock is.
// Node runs this file with its built-in type stripping (no tsx yet when it is preloaded), so it
// uses erasable syntax only and imports nothing but types.
import type { Clock } from '@prophasis/agent';
import { readFileSync } from 'node:fs';

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

/** Where the core's process finds the warp's start, and its scale. */
export interface WarpSpec {
  scale: number;
  startFile: string;
}

/** The warp's start from `file`, or `Infinity` while it has none. */
function readStart(file: string): number {
  try {
    const start = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(start) && start > 0 ? start : Infinity;
  } catch {
    return Infinity;
  }
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
  const spec = JSON.parse(fromEnvironment) as WarpSpec;
  if (!(spec.scale >= 1) || typeof spec.startFile !== 'string') throw new Error(`${WARP_ENV} must be {"scale": ≥ 1, "startFile": path}, got ${fromEnvironment}`);
  const warp: Warp = { startMs: readStart(spec.startFile), scale: spec.scale };
  installDateWarp(warp);
  if (warp.startMs === Infinity) {
    const poll = setInterval(() => {
      warp.startMs = readStart(spec.startFile);
      if (warp.startMs !== Infinity) clearInterval(poll);
    }, 100);
    poll.unref();
  }
}
