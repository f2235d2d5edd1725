import type { PluginHost, PluginOutput, ResultType, TcpConnectResult } from '@prophasis/protocol';

/**
 * TCP port open: connects to `host:port` from the agent and reports how long the handshake took.
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'TIMEOUT', 'ABORT_ERR', 'UND_ERR_CONNECT_TIMEOUT']);
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed temporarily',
  ETIMEDOUT: 'timed out',
};

/** Maps a network error code to the result type of the original design (plugins/README.md). */
function failure(target: string, code: string | undefined, detail: string | undefined): PluginOutput {
  if (code === 'capability_denied') return unsuccessful(`${target}: not an approved target (${detail ?? code})`);
  const timedOut = code !== undefined && (TIMEOUT_CODES.has(code.toUpperCase()) || /timed? ?out/i.test(detail ?? ''));
  const resultType: ResultType = timedOut ? 'connection_timeout' : 'connection_error';
  const reason = (code && REASONS[code]) ?? detail ?? 'connection failed';
  return { resultType, message: `${target}: ${timedOut ? 'timed out' : reason}${code ? ` (${code})` : ''}` };
}

export async function measure(host: PluginHost, params: Record<string, unknown>): Promise<PluginOutput> {
  const target = params.host;
  const port = params.port;
  const timeoutMs = params.timeoutMs ?? 5000;
  if (typeof target !== 'string' || target === '') return unsuccessful('parameter host is required');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return unsuccessful(`parameter port must be 1 to 65535, not ${JSON.stringify(port)}`);
  if (typeof timeoutMs !== 'number' || timeoutMs < 100 || timeoutMs > 60000) return unsuccessful(`parameter timeoutMs must be 100 to 60000, not ${JSON.stringify(timeoutMs)}`);
  if (!host.tcpConnect) return unsuccessful(`capability net.connect:${target}:${port} is not approved`);

  const name = `${target}:${port}`;
  let result: TcpConnectResult;
  try {
    result = await host.tcpConnect(target, port, { timeoutMs });
  } catch (err) {
    const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
    return failure(name, typeof code === 'string' ? code : undefined, typeof message === 'string' ? message : String(err));
  }
  if (!result.connected) return failure(name, result.error, undefined);
  const latency = Math.round(result.latencyMs * 10) / 10;
  return { value: latency, message: `${name} open, connected in ${latency} ms` };
}
