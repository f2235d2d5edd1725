import { HttpErrorResponse } from '@angular/common/http';

/**
 * An error answered by the Prophasis API (`{ code, message, details }`, docs/api.md) or a
 * failure to reach it. `message` is written for people and is what the console shows.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the core could not be reached. */
    readonly status: number,
    /** Stable code such as `CORE_API_NAME_TAKEN`; `WEB_OFFLINE` / `WEB_HTTP_<status>` when the body had none. */
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /**
   * Messages per form field, read from `details`. The API names the offending field in
   * `details`; accepted forms: `{ field, message? }`, `{ path }`, an array of those (TypeBox
   * errors carry `path` like `/address`), or `{ fields: { name: message } }`.
   */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    const add = (entry: unknown): void => {
      if (!isRecord(entry)) return;
      const raw = entry['field'] ?? entry['path'] ?? entry['instancePath'] ?? entry['property'];
      if (typeof raw !== 'string' || raw === '') return;
      const field = raw.replace(/^\/+/, '').split('/')[0] ?? '';
      if (!field || out[field]) return;
      out[field] = typeof entry['message'] === 'string' && entry['message'] ? entry['message'] : this.message;
    };
    const details = this.details;
    if (Array.isArray(details)) details.forEach(add);
    else if (isRecord(details)) {
      const fields = details['fields'];
      if (isRecord(fields)) {
        for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') out[k] = v;
      }
      const errors = details['errors'];
      if (Array.isArray(errors)) errors.forEach(add);
      add(details);
    }
    return out;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Turns whatever an HTTP call threw into an {@link ApiError} with a message fit to show. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HttpErrorResponse) {
    if (err.status === 0) {
      return new ApiError(0, 'WEB_OFFLINE', 'Cannot reach the Prophasis core. Check the network connection and try again.');
    }
    let body: unknown = err.error;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // Not JSON (a proxy's HTML page, for example): fall through to the status text.
      }
    }
    if (isRecord(body) && typeof body['message'] === 'string' && body['message']) {
      const code = typeof body['code'] === 'string' ? body['code'] : `WEB_HTTP_${err.status}`;
      return new ApiError(err.status, code, body['message'], body['details']);
    }
    const text = err.statusText && err.statusText !== 'OK' ? err.statusText : 'Request failed';
    return new ApiError(err.status, `WEB_HTTP_${err.status}`, `${text} (HTTP ${err.status})`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(0, 'WEB_UNEXPECTED', message || 'Unexpected error');
}
