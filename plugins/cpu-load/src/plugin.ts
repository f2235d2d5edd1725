import type { PluginHost, PluginOutput } from '@prophasis/protocol';

/**
 * CPU load: the share of CPU time spent busy between two readings of `/proc/stat` taken
 * `sampleMs` apart (Linux). The kernel's counters only ever grow, so one reading says nothing
 * about now; two readings and their difference do. `/proc/stat` rather than `os.cpus()`: it
 * separates iowait and steal time (which `os.cpus()` folds away) and needs only
 * `fs.read:/proc/stat` instead of all of `os.info`.
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

const STAT = '/proc/stat';

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

function describeError(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

interface CpuSample {
  user: number; // includes nice and guest time
  system: number; // includes irq and softirq
  idle: number;
  iowait: number;
  steal: number;
  cpus: number;
}

/** The aggregate `cpu` line of proc(5): user nice system idle iowait irq softirq steal guest guest_nice, in clock ticks. */
function parseStat(text: string): CpuSample | undefined {
  const line = /^cpu\s+(.*)$/m.exec(text);
  if (!line) return undefined;
  const n = line[1]!.trim().split(/\s+/).map(Number);
  if (n.length < 4 || n.some((x) => !Number.isFinite(x) || x < 0)) return undefined;
  const at = (i: number) => n[i] ?? 0;
  return {
    // guest and guest_nice are already counted in user and nice (kernel/sched/cputime.c).
    user: at(0) + at(1),
    system: at(2) + at(5) + at(6),
    idle: at(3),
    iowait: at(4),
    steal: at(7),
    cpus: (text.match(/^cpu\d+\s/gm) ?? []).length,
  };
}

const total = (s: CpuSample) => s.user + s.system + s.idle + s.iowait + s.steal;

async function readStat(host: PluginHost & { readFile: NonNullable<PluginHost['readFile']> }): Promise<CpuSample | string> {
  let text: string;
  try {
    text = await host.readFile(STAT);
  } catch (err) {
    return `cannot read ${STAT}: ${describeError(err)}`;
  }
  return parseStat(text) ?? `unexpected content in ${STAT}: ${JSON.stringify(text.slice(0, 80))}`;
}

export async function measure(host: PluginHost, params: Record<string, unknown>): Promise<PluginOutput> {
  const sampleMs = params.sampleMs ?? 1000;
  if (typeof sampleMs !== 'number' || !Number.isInteger(sampleMs) || sampleMs < 10 || sampleMs > 5000) {
    return unsuccessful(`parameter sampleMs must be an integer from 10 to 5000, not ${JSON.stringify(sampleMs)}`);
  }
  const readFile = host.readFile;
  if (!readFile) return unsuccessful(`capability fs.read:${STAT} is not approved`);
  const reader = { ...host, readFile };

  const first = await readStat(reader);
  if (typeof first === 'string') return unsuccessful(first);
  const started = host.now();
  await host.sleep(sampleMs);
  const second = await readStat(reader);
  if (typeof second === 'string') return unsuccessful(second);
  const elapsedMs = host.now() - started;

  const ticks = total(second) - total(first);
  if (ticks <= 0) return unsuccessful(`no CPU time passed between the two samples of ${STAT} (${elapsedMs} ms apart)`);
  const share = (key: 'user' | 'system' | 'iowait' | 'steal') => ((second[key] - first[key]) / ticks) * 100;
  const busy = Math.round((share('user') + share('system') + share('steal')) * 10) / 10;
  const parts = (['user', 'system', 'iowait', 'steal'] as const).map((k) => `${k} ${share(k).toFixed(1)}%`).join(', ');
  const cpus = second.cpus > 0 ? ` on ${second.cpus} CPU${second.cpus === 1 ? '' : 's'}` : '';
  return { value: busy, message: `${busy}% busy over ${elapsedMs} ms${cpus}: ${parts}` };
}
