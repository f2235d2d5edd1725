import type { PluginHost, PluginOutput } from '@prophasis/protocol';

/**
 * Load average: the 1-, 5- or 15-minute load average from `/proc/loadavg` (Linux).
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

const LOADAVG = '/proc/loadavg';
const WINDOWS = { 1: 0, 5: 1, 15: 2 } as const;

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

function describeError(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

export async function measure(host: PluginHost, params: Record<string, unknown>): Promise<PluginOutput> {
  const window = params.window ?? 1;
  if (window !== 1 && window !== 5 && window !== 15) return unsuccessful(`parameter window must be 1, 5 or 15, not ${JSON.stringify(window)}`);
  if (!host.readFile) return unsuccessful(`capability fs.read:${LOADAVG} is not approved`);

  let text: string;
  try {
    text = await host.readFile(LOADAVG);
  } catch (err) {
    return unsuccessful(`cannot read ${LOADAVG}: ${describeError(err)}`);
  }
  // "0.52 0.58 0.59 1/467 12345": three averages, running/total tasks, last pid (proc(5)).
  const fields = text.trim().split(/\s+/);
  const loads = fields.slice(0, 3).map(Number);
  if (loads.length !== 3 || loads.some((n) => !Number.isFinite(n) || n < 0)) {
    return unsuccessful(`unexpected content in ${LOADAVG}: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const [one, five, fifteen] = loads as [number, number, number];
  const tasks = /^(\d+)\/(\d+)$/.exec(fields[3] ?? '');
  const running = tasks ? `, ${tasks[1]} of ${tasks[2]} tasks runnable` : '';
  return {
    value: loads[WINDOWS[window]],
    message: `load average ${one.toFixed(2)} ${five.toFixed(2)} ${fifteen.toFixed(2)} (1, 5, 15 min)${running}`,
  };
}
