import { Injectable, computed, inject, signal } from '@angular/core';
import { ApiError } from './api-error';
import { ApiService } from './api.service';
import type { LoginRequest, Me, SetupRequest } from './protocol';

/**
 * Who is signed in. `user()` is `undefined` until the first `GET /api/auth/me` answers, then
 * the signed-in user or `null`. The session itself is an HTTP-only cookie the console never sees.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly api = inject(ApiService);
  private readonly current = signal<Me | null | undefined>(undefined);
  private loading: Promise<Me | null> | undefined;

  readonly user = this.current.asReadonly();
  readonly signedIn = computed(() => !!this.current());
  /** Administrators configure; operators and viewers see configuration read-only. */
  readonly canConfigure = computed(() => this.current()?.role === 'admin');

  /** The signed-in user, asking the core once per page load. */
  ensureLoaded(): Promise<Me | null> {
    const known = this.current();
    if (known !== undefined) return Promise.resolve(known);
    this.loading ??= this.api
      .get<Me>('auth/me')
      .then(
        (me) => me,
        (err: unknown) => {
          if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return null;
          throw err;
        },
      )
      .then((me) => {
        this.current.set(me);
        return me;
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }

  async login(request: LoginRequest): Promise<void> {
    await this.api.post<unknown>('auth/login', request);
    this.current.set(undefined);
    await this.ensureLoaded();
  }

  /** Creates the first administrator with the one-time setup token, which also signs them in. */
  async setup(request: SetupRequest): Promise<void> {
    await this.api.post<unknown>('setup', request);
    this.current.set(undefined);
    await this.ensureLoaded();
  }

  async logout(): Promise<void> {
    try {
      await this.api.post<unknown>('auth/logout');
    } finally {
      this.current.set(null);
    }
  }

  /** Called when any request answers 401: the session expired or was revoked elsewhere. */
  sessionEnded(): void {
    this.current.set(null);
  }
}
