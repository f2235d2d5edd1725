import type { PluginHost, PluginOutput, ProcessInfo } from '@prophasis/protocol';

/**
 * Process running: how many processes with a given name run, from the agent's `os.processes()`.
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

/** Linux keeps the first 15 bytes of a process name (TASK_COMM_LEN 16, with the NUL). */
const COMM_LENGTH = 15;

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

function describeError(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/** Exact match; a name longer than Linux keeps also matches its truncated form. */
function matches(processName: string, wanted: string): boolean {
  if (processName === wanted) return true;
  return wanted.length > COMM_LENGTH && processName.length === COMM_LENGTH && wanted.startsWith(processName);
}

export async function measure(host: PluginHost, params: Record<string, unknown>): Promise<PluginOutput> {
  const name = params.name;
  if (typeof name !== 'string' || name === '') return unsuccessful('parameter name is required: the process name to look for');
  if (!host.os) return unsuccessful('capability os.info is not approved');

  let processes: ProcessInfo[];
  try {
    processes = await host.os.processes();
  } catch (err) {
    return unsuccessful(`cannot list processes: ${describeError(err)}`);
  }
  const found = processes.filter((p) => matches(p.name, name)).map((p) => p.pid).sort((a, b) => a - b);
  if (found.length === 0) return { value: 0, message: `${name}: not running` };
  const pids = found.slice(0, 10).join(', ') + (found.length > 10 ? `, ... (${found.length - 10} more)` : '');
  return { value: found.length, message: `${name}: ${found.length} process${found.length === 1 ? '' : 'es'} (pid ${pids})` };
}
