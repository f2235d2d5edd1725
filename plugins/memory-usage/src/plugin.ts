import type { PluginHost, PluginOutput } from '@prophasis/protocol';

/**
 * Memory usage: the share of RAM not available to new programs, from `/proc/meminfo` (Linux).
 * "Available" is the kernel's own estimate (MemAvailable), which counts reclaimable page cache
 * as available; free memory alone would report every busy file server as full.
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

/** `MemTotal:  24684084 kB` lines → bytes by field name. */
function parseMeminfo(text: string): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line);
    if (m) fields.set(m[1]!, Number(m[2]) * (line.trimEnd().endsWith('kB') ? 1024 : 1));
  }
  return fields;
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
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
  const total = info.get('MemTotal');
  if (total === undefined || total <= 0) return unsuccessful(`no MemTotal in ${MEMINFO}`);
  let available = info.get('MemAvailable');
  let note = '';
  if (available === undefined) {
    // Kernels before 3.14 have no MemAvailable: free + buffers + page cache is the usual estimate.
    available = (info.get('MemFree') ?? 0) + (info.get('Buffers') ?? 0) + (info.get('Cached') ?? 0);
    note = ' (estimated: no MemAvailable)';
  }
  available = Math.min(Math.max(available, 0), total);
  const used = total - available;
  const percent = Math.round((used / total) * 1000) / 10;
  return { value: percent, message: `${percent}% used: ${gib(used)} of ${gib(total)}, ${gib(available)} available${note}` };
}
