import type { IcmpEchoResult, PluginHost, PluginOutput } from '@prophasis/protocol';

/**
 * Ping: ICMP echo from the collector agent to a device (issue 18) through `host.icmpEcho`
 * (the system's fping, docs/decisions/0011). Value: the average round trip; loss in the message;
 * a device that answers none of the requests is `connection_timeout` ("unreachable").
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

type Params = Record<string, unknown>;

const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

/** The device: the `host` parameter, else the address of the device the check runs against. */
function deviceAddress(host: PluginHost, params: Params): string | null {
  if (typeof params.host === 'string' && params.host !== '') return params.host;
  const target = host.target ? host.target() : null;
  return target && typeof target.address === 'string' && target.address !== '' ? target.address : null;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export async function measure(host: PluginHost, params: Params): Promise<PluginOutput> {
  const count = params.count ?? 3;
  const timeoutMs = params.timeoutMs ?? 1000;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 10) return unsuccessful(`parameter count must be 1 to 10, not ${JSON.stringify(count)}`);
  if (typeof timeoutMs !== 'number' || timeoutMs < 100 || timeoutMs > 5000) return unsuccessful(`parameter timeoutMs must be 100 to 5000, not ${JSON.stringify(timeoutMs)}`);
  const target = deviceAddress(host, params);
  if (target === null) return unsuccessful('no device: set the host parameter or run the check against a device');
  if (!host.icmpEcho) return unsuccessful(`capability icmp.echo:${target} is not approved`);

  let out: IcmpEchoResult;
  try {
    out = await host.icmpEcho(target, { count, timeoutMs });
  } catch (err) {
    const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' ? message : String(err);
    if (code === 'capability_denied') return unsuccessful(`${target}: not an approved target (${text})`);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { resultType: 'connection_error', message: `${target}: host name not found (${code})` };
    // icmp_unavailable: this collector cannot send ICMP; that says nothing about the device.
    return unsuccessful(`${target}: cannot ping from this agent: ${text}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  if (out.received === 0 || out.rttMs === null) {
    return { resultType: 'connection_timeout', message: `${target}: unreachable, 0/${out.sent} replies (loss 100%)` };
  }
  const { min, avg, max } = out.rttMs;
  return {
    value: round(avg),
    message: `${target}: ${out.received}/${out.sent} replies, loss ${Math.round(out.lossPct)}%, rtt min/avg/max ${round(min)}/${round(avg)}/${round(max)} ms`,
  };
}
