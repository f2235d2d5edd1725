import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { Router, RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { ROLE_NAMES, type User } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { createUserForm, MIN_PASSWORD_LENGTH, passwordValidators, userInput } from './user-form';

/** What each role may do, as the role select explains it. */
export const ROLE_HELP: Readonly<Record<User['role'], string>> = {
  viewer: 'Viewer: sees everything, changes nothing.',
  operator: 'Operator: also runs checks now and acknowledges.',
  admin: 'Administrator: also changes the configuration and manages users.',
};

/** Add and edit a user (`/users/new`, `/users/:id`); administrators only, like the API. */
@Component({
  selector: 'p-user-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatProgressBarModule, MatSelectModule, RouterLink],
  template: `
    <section class="p-page">
      <p><a routerLink="/users">← Users</a></p>
      <h1 class="p-page-title">{{ editing() ? (user()?.name ?? 'User') : 'Add user' }}</h1>
      @if (loading()) {
        <mat-progress-bar mode="indeterminate" />
      }
      @if (error(); as text) {
        <p class="p-error-banner" role="alert">{{ text }}</p>
      }
      @if (auth.canConfigure()) {
        <form class="p-form" [formGroup]="form" (ngSubmit)="save()" novalidate>
          <mat-form-field>
            <mat-label>Name</mat-label>
            <input matInput formControlName="name" required autocomplete="off" />
            <mat-hint>The name this person signs in with. Must be unique.</mat-hint>
            <mat-error>{{ message(form.controls.name) }}</mat-error>
          </mat-form-field>
          <mat-form-field>
            <mat-label>Role</mat-label>
            <mat-select formControlName="role" required>
              @for (role of roles; track role) {
                <mat-option [value]="role">{{ role }}</mat-option>
              }
            </mat-select>
            <mat-hint>{{ roleHelp[form.controls.role.value] }}</mat-hint>
            <mat-error>{{ message(form.controls.role) }}</mat-error>
          </mat-form-field>
          <mat-form-field>
            <mat-label>{{ editing() ? 'New password' : 'Password' }}</mat-label>
            <input matInput type="password" formControlName="password" autocomplete="new-password" [required]="!editing()" />
            <mat-hint>
              At least {{ minPassword }} characters, not repetitive, not containing the name.
              {{ editing() ? 'Leave empty to keep the current password; a new one signs the user out everywhere.' : '' }}
            </mat-hint>
            <mat-error>{{ message(form.controls.password) }}</mat-error>
          </mat-form-field>
          <div class="p-form-actions">
            <button mat-flat-button type="submit" [disabled]="busy()">{{ editing() ? 'Save' : 'Add user' }}</button>
            <a mat-button routerLink="/users">Cancel</a>
            @if (user()) {
              <button mat-button type="button" class="danger" (click)="remove()">Delete user</button>
            }
          </div>
        </form>
      } @else {
        <p class="p-muted">Only administrators can see and manage users.</p>
      }
    </section>
  `,
  styles: `.danger { margin-left: auto; --mat-button-text-label-text-color: var(--mat-sys-error); }`,
})
export class UserFormComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  readonly id = input<string>();

  protected readonly form = createUserForm();
  protected readonly user = signal<User | undefined>(undefined);
  protected readonly loading = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly editing = computed(() => this.id() !== undefined);
  protected readonly message = fieldMessage;
  protected readonly roles = ROLE_NAMES;
  protected readonly roleHelp = ROLE_HELP;
  protected readonly minPassword = MIN_PASSWORD_LENGTH;

  constructor() {
    effect(() => {
      const id = this.id();
      const admin = this.auth.canConfigure();
      untracked(() => admin && void this.load(id));
    });
  }

  protected async save(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const id = this.id();
      if (id === undefined) await this.api.post<User>('users', userInput(this.form));
      else await this.api.put<User>(`users/${encodeURIComponent(id)}`, userInput(this.form));
      await this.router.navigate(['/users']);
    } catch (err) {
      this.error.set(applyApiError(this.form, err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const user = this.user();
    if (!user) return;
    const ok = await this.confirm.confirm({
      title: 'Delete user?',
      message: `“${user.name}” will be signed out and can no longer sign in. The audit trail keeps the name. This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (!ok) return;
    try {
      await this.api.delete(`users/${user.id}`);
      await this.router.navigate(['/users']);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private reset(user: User | undefined): void {
    this.form.controls.password.setValidators(passwordValidators(!user));
    this.form.reset({ name: user?.name ?? '', role: user?.role ?? 'viewer', password: '' });
  }

  private async load(id: string | undefined): Promise<void> {
    this.error.set(undefined);
    if (id === undefined) {
      this.user.set(undefined);
      this.reset(undefined);
      return;
    }
    this.loading.set(true);
    try {
      const user = await this.api.get<User>(`users/${encodeURIComponent(id)}`);
      this.user.set(user);
      this.reset(user);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }
}
