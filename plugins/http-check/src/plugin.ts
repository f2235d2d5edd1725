import type { HttpResponse, PluginHost, PluginOutput, ResultType } from '@prophasis/protocol';

/**
 * HTTP(S) check: requests a URL from the agent and checks the status code and, optionally, that
 * the body contains a keyword. The value is the response time.
 * Self-contained: the agent runs the built file with no imports (plugins/README.md).
 */

/** Failures are results, not exceptions (plugins/README.md, "Errors"). */
const unsuccessful = (message: string): PluginOutput => ({ resultType: 'command_unsuccessful', message });

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'TIMEOUT', 'ABORT_ERR', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Maps a rejected request to the result type of the original design (plugins/README.md). */
function failure(url: string, err: unknown): PluginOutput {
  const { code: rawCode, message: rawMessage, name } = (err ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const detail = typeof rawMessage === 'string' ? rawMessage : String(err);
  const text = code && !detail.includes(code) ? `${code}: ${detail}` : detail;
  if (code === 'capability_denied') return unsuccessful(`${url}: not an approved target (${detail})`);
  const timedOut = (code !== undefined && TIMEOUT_CODES.has(code.toUpperCase())) || name === 'TimeoutError' || /timed? ?out/i.test(detail);
  const resultType: ResultType = timedOut ? 'connection_timeout' : 'connection_error';
  return { resultType, message: `${url}: ${text}` };
}

export async function measure(host: PluginHost, params: Record<string, unknown>): Promise<PluginOutput> {
  const { url, keyword } = params;
  const expectedStatus = params.expectedStatus ?? 200;
  const timeoutMs = params.timeoutMs ?? 10000;
  const method = params.method ?? 'GET';
  const verifyTls = params.verifyTls ?? true;
  if (typeof url !== 'string' || !/^https?:\/\/[^/\s]+/i.test(url)) return unsuccessful(`parameter url must be an http:// or https:// URL, not ${JSON.stringify(url)}`);
  if (typeof expectedStatus !== 'number' || !Number.isInteger(expectedStatus) || expectedStatus < 100 || expectedStatus > 599) {
    return unsuccessful(`parameter expectedStatus must be an HTTP status, not ${JSON.stringify(expectedStatus)}`);
  }
  if (keyword !== undefined && (typeof keyword !== 'string' || keyword === '')) return unsuccessful('parameter keyword must be a non-empty string');
  if (method !== 'GET' && method !== 'HEAD') return unsuccessful(`parameter method must be GET or HEAD, not ${JSON.stringify(method)}`);
  if (method === 'HEAD' && keyword !== undefined) return unsuccessful('parameter keyword needs method GET: a HEAD response has no body');
  if (typeof timeoutMs !== 'number' || timeoutMs < 100 || timeoutMs > 60000) return unsuccessful(`parameter timeoutMs must be 100 to 60000, not ${JSON.stringify(timeoutMs)}`);
  if (typeof verifyTls !== 'boolean') return unsuccessful('parameter verifyTls must be true or false');
  if (!host.httpRequest) return unsuccessful(`capability http.request:${new URL(url).origin} is not approved`);

  let response: HttpResponse;
  try {
    response = await host.httpRequest(url, { method, timeoutMs, verifyTls, headers: { 'user-agent': 'Prophasis http-check/1.0' } });
  } catch (err) {
    return failure(url, err);
  }
  const latency = Math.round(response.latencyMs);
  const status = `HTTP ${response.status} in ${latency} ms`;
  if (response.status !== expectedStatus) {
    // 401 and 403 mean the server is up and answering, but not to us: a different fix.
    const resultType: ResultType = response.status === 401 || response.status === 403 ? 'authentication_error' : 'request_error';
    return { resultType, message: `${url}: ${status}, expected ${expectedStatus}` };
  }
  const notes: string[] = [];
  if (keyword !== undefined) {
    if (!response.body.includes(keyword)) {
      const where = response.truncated ? ` in the first ${response.body.length} characters` : '';
      return { resultType: 'request_error', message: `${url}: ${status}, keyword ${JSON.stringify(keyword)} not found${where}` };
    }
    notes.push(`keyword ${JSON.stringify(keyword)} found`);
  }
  const cert = response.certificate;
  if (cert) notes.push(`certificate ${cert.trusted ? 'trusted' : 'NOT trusted'}, expires in ${Math.floor((cert.validTo - host.now()) / 86_400_000)} days`);
  return { value: latency, message: `${url}: ${status}${notes.length ? `, ${notes.join(', ')}` : ''}` };
}
