import { HttpClient, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import { firstValueFrom, type Observable } from 'rxjs';
import { toApiError } from './api-error';

/** Query parameters; `undefined` and empty strings are left out of the URL. */
export type QueryParams = Readonly<Record<string, string | number | boolean | undefined | null>>;

/**
 * The console's only HTTP client for the Prophasis API. Requests go to the same origin that
 * served the console, so the session cookie travels with them without CORS; every failure is
 * rethrown as an {@link ApiError} whose `message` is the API's own, ready to show.
 */
@Injectable({ providedIn: 'root' })
export class ApiService {
  private readonly http = inject(HttpClient);

  get<T>(path: string, params?: QueryParams): Promise<T> {
    return this.call(this.http.get<T>(url(path), { params: toParams(params) }));
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    // Always send a JSON body: the API refuses state changes without Content-Type: application/json.
    return this.call(this.http.post<T>(url(path), body ?? {}));
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call(this.http.put<T>(url(path), body));
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call(this.http.patch<T>(url(path), body));
  }

  delete<T = void>(path: string): Promise<T> {
    return this.call(this.http.delete<T>(url(path)));
  }

  private async call<T>(request: Observable<T>): Promise<T> {
    try {
      return await firstValueFrom(request);
    } catch (err) {
      throw toApiError(err);
    }
  }
}

/** `hosts` and `/hosts` and `/api/hosts` all mean `/api/hosts`. */
export function url(path: string): string {
  if (path.startsWith('/api/')) return path;
  return '/api/' + path.replace(/^\/+/, '');
}

function toParams(params: QueryParams | undefined): HttpParams | undefined {
  if (!params) return undefined;
  let out = new HttpParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    out = out.set(key, String(value));
  }
  return out;
}
