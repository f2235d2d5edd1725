import { DatePipe, DOCUMENT } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, signal, untracked } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { ApiTokenInput, type ApiToken, type ApiTokenCreated } from '../../core/protocol';
import { CommandBoxComponent } from '../../shared/ui/command-box.component';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage, schemaValidators } from '../../shared/ui/form-errors';
import { apiTokenInput, curlExample, rolesUpTo, stateText, tokenState, TOKEN_ROLE_HELP } from './api-tokens';

/** The API's default lifetime (`ApiTokenInput.expiresInDays.default`), days. */
const DEFAULT_DAYS = Number(ApiTokenInput.properties.expiresInDays.default);

/**
 * API tokens (`/tokens`, docs/api.md "API tokens"), for every signed-in user: **Create token**
 * (`POST /api/tokens`) shows the token once, with Copy and a curl example against this console's
 * address (the token lives only in this component's memory and is gone with **Done** or the
 * page); the list (`GET /api/tokens`: one's own, an administrator's everyone's) says whose each
 * token is, its role, expiry, last use and whether it is active, expired or revoked; **Revoke**
 * (`DELETE /api/tokens/:id`) after a confirmation. Refusals appear at the field they name.
 */
@Component({
  selector: 'p-api-tokens',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, ReactiveFormsModule, MatButtonModule, MatCardModule, MatFormFieldModule, MatInputModule, MatSelectModule, CommandBoxComponent],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">API tokens</h1>
      <p class="p-muted intro">
        Scripts, CI jobs and other tools call the API with a token instead of signing in: they send it as
        <code>Authorization: Bearer …</code>. A token acts for you with the role it was given (never more than yours), until it expires or
        is revoked; what it changes is in the audit trail under your name and the token's.
        @if (auth.canConfigure()) {
          As an administrator you see everyone's tokens and can revoke any of them.
        }
      </p>

      <mat-card appearance="outlined" class="create">
        <mat-card-header><mat-card-title>New API token</mat-card-title></mat-card-header>
        <mat-card-content>
          @if (created(); as c) {
            <p class="how">
              “{{ c.name }}” acts as {{ c.role }} until {{ c.expiresAt | date: 'd MMM y, HH:mm:ss' }}. <strong>The token is shown only now</strong>: copy
              it into your script's secret store; the core keeps only its hash.
            </p>
            <p-command-box label="Token" [command]="c.token" />
            <p-command-box label="Try it" [command]="curl(c.token)" />
            <button mat-button type="button" class="done" (click)="created.set(undefined)">Done</button>
          } @else {
            <form [formGroup]="form" (ngSubmit)="create()" novalidate>
              <div class="row">
                <mat-form-field class="name">
                  <mat-label>Name</mat-label>
                  <input matInput formControlName="name" required maxlength="128" autocomplete="off" />
                  <mat-hint>What uses it, e.g. “backup script” or “CI deploy job”</mat-hint>
                  <mat-error>{{ message(form.controls.name) }}</mat-error>
                </mat-form-field>
                <mat-form-field class="narrow">
                  <mat-label>Role</mat-label>
                  <mat-select formControlName="role" required>
                    @for (role of roles(); track role) {
                      <mat-option [value]="role">{{ role }}</mat-option>
                    }
                  </mat-select>
                  <mat-hint>{{ roleHelp[form.controls.role.value] }}</mat-hint>
                  <mat-error>{{ message(form.controls.role) }}</mat-error>
                </mat-form-field>
                <mat-form-field class="narrow">
                  <mat-label>Valid for (days)</mat-label>
                  <input matInput type="number" formControlName="expiresInDays" min="1" max="365" required />
                  <mat-hint>1 to 365</mat-hint>
                  <mat-error>{{ message(form.controls.expiresInDays) }}</mat-error>
                </mat-form-field>
              </div>
              <button mat-flat-button type="submit" [disabled]="busy()">Create token</button>
            </form>
          }
          @if (error(); as text) {
            <p class="p-error-banner" role="alert">{{ text }}</p>
          }
        </mat-card-content>
      </mat-card>

      <h2 class="p-section-title">{{ auth.canConfigure() ? 'All tokens' : 'Your tokens' }}</h2>
      @if (loading()) {
        <p class="p-muted">Loading…</p>
      } @else if (tokens().length === 0) {
        <p class="p-muted empty">No API tokens yet.</p>
      } @else {
        <div class="scroll">
          <table class="tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>User</th>
                <th>Role</th>
                <th>Status</th>
                <th>Expires</th>
                <th>Last used</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              @for (row of rows(); track row.token.id) {
                <tr [attr.data-id]="row.token.id">
                  <td class="name">{{ row.token.name }}</td>
                  <td class="user">{{ row.token.userName }}</td>
                  <td class="role">{{ row.token.role }}</td>
                  <td class="status" [class.inactive]="row.state !== 'active'">
                    {{ stateText(row.state) }}
                    @if (row.token.revokedAt !== null) {
                      <span class="p-muted">{{ row.token.revokedAt | date: 'd MMM y, HH:mm:ss' }}</span>
                    }
                  </td>
                  <td class="expires">{{ row.token.expiresAt | date: 'd MMM y, HH:mm:ss' }}</td>
                  <td class="used">{{ row.token.lastUsedAt === null ? 'Never' : (row.token.lastUsedAt | date: 'd MMM y, HH:mm:ss') }}</td>
                  <td>
                    @if (row.state !== 'revoked') {
                      <button mat-button type="button" class="danger revoke" [disabled]="busy()" (click)="revoke(row.token)">Revoke</button>
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    </section>
  `,
  styles: `
    .intro { max-width: 860px; }
    .create { margin: 0 0 24px; max-width: 860px; }
    .row { display: flex; gap: 12px; flex-wrap: wrap; }
    .row .name { flex: 1 1 240px; }
    .row .narrow { flex: 0 1 180px; }
    .scroll { overflow-x: auto; }
    .tokens { border-collapse: collapse; width: 100%; max-width: 1100px; }
    .tokens th, .tokens td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--mat-sys-outline-variant); vertical-align: top; }
    .status span { display: block; font-size: 12px; }
    .inactive { color: var(--mat-sys-error); }
    .danger { --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class ApiTokensComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);
  private readonly origin = inject(DOCUMENT).location.origin;
  protected readonly auth = inject(AuthService);

  protected readonly tokens = signal<readonly ApiToken[]>([]);
  protected readonly loading = signal(true);
  protected readonly created = signal<ApiTokenCreated | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** When the states were judged; renewed with every change to the list. */
  private readonly now = signal(Date.now());
  protected readonly rows = computed(() => this.tokens().map((token) => ({ token, state: tokenState(token, this.now()) })));
  /** The signed-in user's role and those below: a token never has more rights than its creator. */
  /** The API's default: the creator's own role. */
  private readonly ownRole = computed(() => this.auth.user()?.role ?? 'viewer');
  protected readonly roles = computed(() => rolesUpTo(this.ownRole()));
  protected readonly roleHelp = TOKEN_ROLE_HELP;
  protected readonly stateText = stateText;
  protected readonly message = fieldMessage;

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true, validators: schemaValidators(ApiTokenInput.properties.name, { required: true }) }),
    role: new FormControl(this.ownRole(), { nonNullable: true }),
    expiresInDays: new FormControl<number>(DEFAULT_DAYS, { nonNullable: true, validators: schemaValidators(ApiTokenInput.properties.expiresInDays, { required: true }) }),
  });

  constructor() {
    // Until the user chose, the role follows the signed-in user's (known late on a first load).
    effect(() => {
      const own = this.ownRole();
      untracked(() => {
        const role = this.form.controls.role;
        if (role.pristine || !rolesUpTo(own).includes(role.value)) role.setValue(own);
      });
    });
    void this.load();
  }

  protected curl(token: string): string {
    return curlExample(token, this.origin);
  }

  private async load(): Promise<void> {
    try {
      this.tokens.set(await this.api.get<ApiToken[]>('tokens'));
      this.now.set(Date.now());
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }

  protected async create(): Promise<void> {
    this.error.set(undefined);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    try {
      const created = await this.api.post<ApiTokenCreated>('tokens', apiTokenInput(this.form.getRawValue()));
      this.created.set(created);
      const { token: _secret, ...listed } = created;
      this.tokens.update((list) => [...list, listed]);
      this.now.set(Date.now());
      this.form.reset({ name: '', role: this.ownRole(), expiresInDays: DEFAULT_DAYS });
    } catch (err) {
      this.error.set(applyApiError(this.form, err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async revoke(token: ApiToken): Promise<void> {
    const ok = await this.confirm.confirm({
      title: 'Revoke API token?',
      message: `Scripts using “${token.name}”${this.auth.user()?.name === token.userName ? '' : ` (${token.userName}'s)`} will be refused from now on. This cannot be undone.`,
      confirmLabel: 'Revoke token',
    });
    if (!ok) return;
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const revoked = await this.api.delete<ApiToken>(`tokens/${token.id}`);
      this.tokens.update((list) => list.map((t) => (t.id === revoked.id ? revoked : t)));
      this.now.set(Date.now());
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }
}
