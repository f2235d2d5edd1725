import { parseArgs } from 'node:util';

/**
 * Common option parsing for benchmarks: every bench accepts `--seconds` (its time bound) plus
 * its own options, given here as defaults. Numbers are parsed strictly.
 */
export function benchArgs<T extends Record<string, string | number | boolean>>(defaults: T & { seconds: number }): T {
  const options = Object.fromEntries(
    Object.entries(defaults).map(([k, v]) => [k, { type: typeof v === 'boolean' ? ('boolean' as const) : ('string' as const) }]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false, allowNegative: true }));
  } catch (err) {
    return refuse(`${(err as Error).message}; options: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
  }
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (const [k, raw] of Object.entries(values)) {
    const def = defaults[k];
    if (typeof def === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n)) refuse(`--${k} needs a number, got ${JSON.stringify(raw)}`);
      out[k] = n;
    } else {
      out[k] = raw as string | boolean;
    }
  }
  return out as T;
}

/**
 * Ends the bench on a wrong option or a missing prerequisite: one line on stderr saying what to
 * change, exit code 2, no stack trace (nothing has been started yet).
 */
export function refuse(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

/** Prints the benchmark's figures as one JSON object on the last line (docs/performance.md). */
export function printFigures(figures: Record<string, string | number | boolean>): void {
  console.log(JSON.stringify(figures));
}

/** Resident set size of this process in MiB. */
export const rssMiB = (): number => Math.round(process.memoryUsage().rss / 1048576);
