import type { PluginHost, PluginOutput } from '@prophasis/protocol';

/**
 * Linux MD RAID status from `/proc/mdstat`: how many arrays are degraded, and for each array its
 * level, member status (`[UU]`, `[U_]`), failed members and any resync/recovery in progress.
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

const MDSTAT = '/proc/mdstat';

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

function describeError(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

interface MdArray {
  name: string;
  state: string; // active | inactive
  level: string | undefined;
  failed: string[];
  spares: string[];
  /** `[U_]`: one character per slot, `U` up, `_` missing. */
  status: string | undefined;
  slots: number | undefined;
  working: number | undefined;
  /** `recovery 26.4% (finish 143.3min)`, `check 12.5%`, `resync pending`. */
  progress: string | undefined;
  /** True when the progress is a rebuild onto a missing slot (recovery or reshape). */
  rebuilding: boolean;
}

const LEVELS = /^(raid\d+|linear|multipath|faulty|container)$/;

/**
 * Parses the md driver's report (drivers/md/md.c, `md_seq_show`): an `mdN : state [level] member[n](flag)...`
 * line per array, followed by indented lines with the block count and `[slots/working] [UU_]`,
 * and optionally a progress line.
 */
function parseMdstat(text: string): MdArray[] {
  const arrays: MdArray[] = [];
  let current: MdArray | undefined;
  for (const line of text.split('\n')) {
    const head = /^(md[\w/-]*)\s*:\s*(.*)$/.exec(line);
    if (head) {
      const tokens = head[2]!.split(/\s+/).filter((t) => t !== '' && !t.startsWith('('));
      current = {
        name: head[1]!,
        state: tokens[0] ?? 'unknown',
        level: tokens.find((t) => LEVELS.test(t)),
        failed: [],
        spares: [],
        status: undefined,
        slots: undefined,
        working: undefined,
        progress: undefined,
        rebuilding: false,
      };
      for (const member of head[2]!.matchAll(/(\S+?)\[\d+\]((?:\([A-Z]\))*)/g)) {
        if (member[2]!.includes('(F)')) current.failed.push(member[1]!);
        else if (member[2]!.includes('(S)')) current.spares.push(member[1]!);
      }
      arrays.push(current);
      continue;
    }
    if (current === undefined || !/^\s/.test(line)) {
      current = undefined;
      continue;
    }
    const status = /\[(\d+)\/(\d+)\]\s+\[([U_]+)\]/.exec(line);
    if (status) {
      current.slots = Number(status[1]);
      current.working = Number(status[2]);
      current.status = status[3];
    }
    const progress = /(recovery|resync|reshape|check|repair)\s*=\s*([\d.]+)%(?:.*?finish=([\d.]+min))?/.exec(line);
    if (progress) {
      current.progress = `${progress[1]} ${progress[2]}%${progress[3] ? ` (finish ${progress[3]})` : ''}`;
      current.rebuilding = progress[1] === 'recovery' || progress[1] === 'reshape';
    }
    const pending = /(recovery|resync|reshape|check|repair)\s*=\s*(PENDING|DELAYED)/.exec(line);
    if (pending) current.progress = `${pending[1]} ${pending[2]!.toLowerCase()}`;
  }
  return arrays;
}

function isDegraded(md: MdArray): boolean {
  if (md.state !== 'active') return true;
  if (md.slots !== undefined && md.working !== undefined && md.working < md.slots) return true;
  return (md.status ?? '').includes('_') || md.failed.length > 0;
}

function describe(md: MdArray): string {
  const parts = [`${md.name}: ${md.state === 'active' ? (md.level ?? 'unknown level') : md.state}`];
  if (md.status !== undefined) parts[0] += ` [${md.status}]`;
  if (isDegraded(md)) parts[0] += ' DEGRADED';
  if (md.failed.length > 0) parts.push(`failed ${md.failed.join(' ')}`);
  if (md.progress !== undefined) parts.push(md.progress);
  return parts.join(', ');
}

export async function measure(host: PluginHost, _params: Record<string, unknown>): Promise<PluginOutput> {
  if (!host.readFile) return unsuccessful(`capability fs.read:${MDSTAT} is not approved`);
  let text: string;
  try {
    text = await host.readFile(MDSTAT);
  } catch (err) {
    return unsuccessful(`cannot read ${MDSTAT} (is the md driver loaded?): ${describeError(err)}`);
  }
  if (!/^Personalities\s*:/m.test(text)) return unsuccessful(`unexpected content in ${MDSTAT}: ${JSON.stringify(text.slice(0, 80))}`);
  const arrays = parseMdstat(text);
  if (arrays.length === 0) return { value: 0, message: 'no MD arrays' };
  const degraded = arrays.filter(isDegraded);
  const recovering = degraded.filter((md) => md.rebuilding).length;
  // The summary's wording is parsed by the default classifier: keep "(N recovering)".
  const summary = `${degraded.length} of ${arrays.length} arrays degraded (${recovering} recovering)`;
  return { value: degraded.length, message: `${summary}: ${arrays.map(describe).join('; ')}` };
}
