import type { CertificateInfo, PluginHost, PluginOutput, ResultType } from '@prophasis/protocol';

/**
 * TLS certificate expiry: connects to `host:port`, reads the certificate the server presents,
 * and reports the days until it expires.
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

const DAY_MS = 86_400_000;

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'TIMEOUT', 'ABORT_ERR']);

/** Maps a failed handshake to the result type of the original design (plugins/README.md). */
function failure(target: string, err: unknown): PluginOutput {
  const { code: rawCode, message: rawMessage, name } = (err ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const detail = typeof rawMessage === 'string' ? rawMessage : String(err);
  const text = code && !detail.includes(code) ? `${code}: ${detail}` : detail;
  if (code === 'capability_denied') return unsuccessful(`${target}: not an approved target (${detail})`);
  const timedOut = (code !== undefined && TIMEOUT_CODES.has(code.toUpperCase())) || name === 'TimeoutError' || /timed? ?out/i.test(detail);
  const resultType: ResultType = timedOut ? 'connection_timeout' : 'connection_error';
  return { resultType, message: `${target}: ${text}` };
}

const isoDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export async function measure(host: PluginHost, params: Record<string, unknown>): Promise<PluginOutput> {
  const target = params.host;
  const port = params.port ?? 443;
  const servername = params.servername ?? target;
  const timeoutMs = params.timeoutMs ?? 10000;
  if (typeof target !== 'string' || target === '') return unsuccessful('parameter host is required');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return unsuccessful(`parameter port must be 1 to 65535, not ${JSON.stringify(port)}`);
  if (typeof servername !== 'string' || servername === '') return unsuccessful('parameter servername must be a non-empty string');
  if (typeof timeoutMs !== 'number' || timeoutMs < 100 || timeoutMs > 60000) return unsuccessful(`parameter timeoutMs must be 100 to 60000, not ${JSON.stringify(timeoutMs)}`);
  if (!host.tlsCertificate) return unsuccessful(`capability net.connect:${target}:${port} is not approved`);

  const name = `${target}:${port}`;
  let cert: CertificateInfo;
  try {
    cert = await host.tlsCertificate(target, port, { timeoutMs, servername });
  } catch (err) {
    return failure(name, err);
  }
  // Computed from validTo and the agent's clock (not daysRemaining) so every plugin rounds alike:
  // whole days left, negative once expired.
  const now = host.now();
  const days = Math.floor((cert.validTo - now) / DAY_MS);
  const state =
    cert.validTo <= now ? `EXPIRED ${-days} days ago` : cert.validFrom > now ? `NOT YET VALID (from ${isoDate(cert.validFrom)})` : `expires in ${days} days`;
  const trust = cert.trusted ? 'trusted' : 'NOT trusted by the system CAs';
  return { value: days, message: `${name}: ${cert.subject}, issued by ${cert.issuer}, valid until ${isoDate(cert.validTo)}, ${state}; ${trust}` };
}
