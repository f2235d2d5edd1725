import type { PluginHost, PluginOutput } from '@prophasis/protocol';

/**
 * Uptime: seconds since the host booted, from `/proc/uptime` (Linux).
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

const UPTIME = '/proc/uptime';

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

function describeError(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/** `3d 4h 5m`, `4h 5m`, `5m 12s`: as precise as a person reading it needs. */
function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s}s`;
}

export async function measure(host: PluginHost, _params: Record<string, unknown>): Promise<PluginOutput> {
  if (!host.readFile) return unsuccessful(`capability fs.read:${UPTIME} is not approved`);
  let text: string;
  try {
    text = await host.readFile(UPTIME);
  } catch (err) {
    return unsuccessful(`cannot read ${UPTIME}: ${describeError(err)}`);
  }
  // "350735.47 234388.90": seconds up, and idle seconds summed over all CPUs (proc(5)).
  const match = /^\s*(\d+(?:\.\d+)?)(?:\s|$)/.exec(text);
  if (!match) return unsuccessful(`unexpected content in ${UPTIME}: ${JSON.stringify(text.slice(0, 80))}`);
  const seconds = Math.floor(Number(match[1]));
  const booted = new Date(host.now() - seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  return { value: seconds, message: `up ${duration(seconds)}, booted ${booted}` };
}
