import type { AgentInfo, PluginHost, PluginOutput } from '@prophasis/protocol';

/**
 * Agent self-check: the agent's own health — version, uptime, how many results wait in its
 * outbox for the broker, and the last error it logged.
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

function describeError(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(err);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${Math.floor(seconds % 60)}s`;
}

export async function measure(host: PluginHost, _params: Record<string, unknown>): Promise<PluginOutput> {
  if (!host.agent) return unsuccessful('capability agent.info is not approved');
  let info: AgentInfo;
  try {
    info = await host.agent.info();
  } catch (err) {
    return unsuccessful(`cannot read the agent's state: ${describeError(err)}`);
  }
  // The outbox holds results not yet acknowledged by the broker; this result itself will wait
  // there too, so the value is what was queued before it.
  const lastError = info.lastError === null || info.lastError === '' ? 'none' : info.lastError.slice(0, 1000);
  return {
    value: info.outboxDepth,
    message: `agent ${info.version}, up ${duration(info.uptimeSeconds)}, outbox ${info.outboxDepth} result${info.outboxDepth === 1 ? '' : 's'} waiting; last error: ${lastError}`,
  };
}
