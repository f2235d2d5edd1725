import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';

/** Sign-in page; after success goes back to the page that asked (`?next=`). */
@Component({
  selector: 'p-login',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatButtonModule, MatCardModule, MatFormFieldModule, MatInputModule],
  template: `
    <mat-card class="panel" appearance="outlined">
      <h1 class="brand"><img src="favicon.svg" alt="" width="32" height="32" /> Prophasis</h1>
      <p class="lead p-muted">Sign in to the monitoring console.</p>
      @if (setupRequired()) {
        <p class="p-error-banner" role="status">
          No user exists yet. Open the one-time setup link that the core printed in its log when it started.
        </p>
      }
      @if (error(); as message) {
        <p class="p-error-banner" role="alert">{{ message }}</p>
      }
      <form class="p-form" [formGroup]="form" (ngSubmit)="submit()">
        <mat-form-field>
          <mat-label>User name</mat-label>
          <input matInput formControlName="name" autocomplete="username" autocapitalize="none" required />
          @if (form.controls.name.hasError('required') && form.controls.name.touched) {
            <mat-error>Enter your user name.</mat-error>
          }
        </mat-form-field>
        <mat-form-field>
          <mat-label>Password</mat-label>
          <input matInput type="password" formControlName="password" autocomplete="current-password" required />
          @if (form.controls.password.hasError('required') && form.controls.password.touched) {
            <mat-error>Enter your password.</mat-error>
          }
        </mat-form-field>
        <button mat-flat-button type="submit" [disabled]="busy()">{{ busy() ? 'Signing in…' : 'Sign in' }}</button>
      </form>
      <p class="note p-muted">Forgot your password? An administrator can set a new one under Users.</p>
    </mat-card>
  `,
  styleUrl: './auth-page.scss',
})
export class LoginComponent {
  private readonly auth = inject(AuthService);
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);

  /** Where to go after signing in (query parameter, bound by the router). */
  readonly next = input<string>();

  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', Validators.required],
    password: ['', Validators.required],
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly setupRequired = signal(false);

  constructor() {
    this.api.get<{ required: boolean }>('setup').then(
      (status) => this.setupRequired.set(status.required),
      () => undefined, // older cores or no network: the sign-in itself will report the problem
    );
  }

  protected async submit(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(undefined);
    try {
      await this.auth.login(this.form.getRawValue());
      const next = this.next();
      // Only same-site paths: a crafted ?next=https://… must not lead away from the console.
      await this.router.navigateByUrl(next && next.startsWith('/') && !next.startsWith('//') ? next : '/dashboard');
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }
}
