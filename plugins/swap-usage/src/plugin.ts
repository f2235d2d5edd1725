import type { PluginHost, PluginOutput } from '@prophasis/protocol';

/**
 * Swap usage: the share of swap space in use, from `/proc/meminfo` (Linux).
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

const MEMINFO = '/proc/meminfo';

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

function describeError(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/** `SwapTotal:  2097148 kB` lines → bytes by field name. */
function parseMeminfo(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) fields.set(m[1]!, Number(m[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1));
  }
  return fields;
}

function mib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

export async function measure(host: PluginHost, _params: Record<string, unknown>): Promise<PluginOutput> {
  if (!host.readFile) return unsuccessful(`capability fs.read:${MEMINFO} is not approved`);
  let text: string;
  try {
    text = await host.readFile(MEMINFO);
  } catch (err) {
    return unsuccessful(`cannot read ${MEMINFO}: ${describeError(err)}`);
  }
  const info = parseMeminfo(text);
  const total = info.get('SwapTotal');
  const free = info.get('SwapFree');
  if (total === undefined || free === undefined) return unsuccessful(`no SwapTotal/SwapFree in ${MEMINFO}`);
  // A host without swap uses none of it: 0 keeps the chart continuous and the classifier quiet.
  if (total === 0) return { value: 0, message: 'no swap configured' };
  const used = Math.max(total - free, 0);
  const percent = Math.round((used / total) * 1000) / 10;
  const cached = info.get('SwapCached');
  const cachedNote = cached ? `, ${mib(cached)} cached` : '';
  return { value: percent, message: `${percent}% used: ${mib(used)} of ${mib(total)}${cachedNote}` };
}
