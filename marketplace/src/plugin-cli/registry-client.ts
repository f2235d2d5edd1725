import { ProphasisError } from '@prophasis/protocol';
import { UsageError } from './io.js';

/** A refusal by the registry, printed by the CLI as `error: <message> (<code>)`. */
function refusal(status: number, body: string): ProphasisError {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'string' && typeof parsed.message === 'string') return new ProphasisError(parsed.code, `registry refused (HTTP ${status}): ${parsed.message}`, status);
  } catch {
    // not our error body: say what we got
  }
  return new ProphasisError('MKT_HTTP_ERROR', `registry answered HTTP ${status}: ${body.slice(0, 200)}`, status);
}

/** `--registry` and `--token`, both required for commands that change the registry. */
export function registryOptions(values: { registry?: string; token?: string }, command: string): { registry: string; token: string } {
  if (!values.registry) throw new UsageError(`${command} needs --registry URL`);
  if (!values.token) throw new UsageError(`${command} needs --token TOKEN (or PROPHASIS_MARKETPLACE_TOKEN)`);
  let url: URL;
  try {
    url = new URL(values.registry);
  } catch {
    throw new UsageError(`--registry ${JSON.stringify(values.registry)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--registry must be an http(s) URL');
  return { registry: url.toString().replace(/\/+$/, ''), token: values.token };
}

/** One request to the registry API; a non-2xx answer throws the registry's code and message. */
export async function registryRequest<T>(registry: string, path: string, init: { method: string; token: string; body?: Buffer | string; contentType?: string }): Promise<{ status: number; body: T }> {
  let response: Response;
  try {
    response = await fetch(`${registry}${path}`, {
      method: init.method,
      headers: { authorization: `Bearer ${init.token}`, ...(init.contentType ? { 'content-type': init.contentType } : {}) },
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ProphasisError('MKT_UNREACHABLE', `cannot reach ${registry}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, 502);
  }
  const text = await response.text();
  if (!response.ok) throw refusal(response.status, text);
  return { status: response.status, body: JSON.parse(text) as T };
}
