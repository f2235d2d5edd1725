import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators, type AbstractControl, type ValidationErrors } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { AuthService } from '../../core/auth.service';

function samePassword(group: AbstractControl): ValidationErrors | null {
  const { password, repeat } = group.value as { password: string; repeat: string };
  return repeat && password !== repeat ? { mismatch: true } : null;
}

/**
 * First run: the core prints a one-time link `/setup?token=…`; this page creates the first
 * administrator with it and signs them in.
 */
@Component({
  selector: 'p-setup',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatButtonModule, MatCardModule, MatFormFieldModule, MatInputModule],
  template: `
    <mat-card class="panel" appearance="outlined">
      <h1 class="brand"><img src="favicon.svg" alt="" width="32" height="32" /> Set up Prophasis</h1>
      <p class="lead p-muted">Create the first administrator. This link works once.</p>
      @if (!token()) {
        <p class="p-error-banner" role="alert">
          This page needs the setup link that the core printed in its log (it ends in <code>?token=…</code>).
        </p>
      }
      @if (error(); as message) {
        <p class="p-error-banner" role="alert">{{ message }}</p>
      }
      <form class="p-form" [formGroup]="form" (ngSubmit)="submit()">
        <mat-form-field>
          <mat-label>Administrator name</mat-label>
          <input matInput formControlName="name" autocomplete="username" autocapitalize="none" required />
          <mat-hint>The name you will sign in with.</mat-hint>
          @if (form.controls.name.hasError('required') && form.controls.name.touched) {
            <mat-error>Choose a user name.</mat-error>
          }
        </mat-form-field>
        <mat-form-field>
          <mat-label>Password</mat-label>
          <input matInput type="password" formControlName="password" autocomplete="new-password" required />
          <mat-hint>At least 12 characters; a passphrase of several words is easy to remember.</mat-hint>
          @if (form.controls.password.hasError('minlength') && form.controls.password.touched) {
            <mat-error>Use at least 12 characters.</mat-error>
          } @else if (form.controls.password.hasError('required') && form.controls.password.touched) {
            <mat-error>Choose a password.</mat-error>
          }
        </mat-form-field>
        <mat-form-field>
          <mat-label>Repeat password</mat-label>
          <input matInput type="password" formControlName="repeat" autocomplete="new-password" required />
          <mat-hint>Type the password again to avoid a typing mistake.</mat-hint>
        </mat-form-field>
        @if (form.hasError('mismatch') && form.controls.repeat.touched) {
          <p class="p-error-banner" role="alert">The two passwords differ.</p>
        }
        <button mat-flat-button type="submit" [disabled]="busy() || !token()">{{ busy() ? 'Creating…' : 'Create administrator' }}</button>
      </form>
    </mat-card>
  `,
  styleUrl: './auth-page.scss',
})
export class SetupComponent {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);

  /** The one-time token from the setup link (query parameter). */
  readonly token = input<string>();

  protected readonly form = inject(NonNullableFormBuilder).group(
    {
      name: ['admin', Validators.required],
      password: ['', [Validators.required, Validators.minLength(12)]],
      repeat: ['', Validators.required],
    },
    { validators: samePassword },
  );
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  protected async submit(): Promise<void> {
    this.form.markAllAsTouched();
    const token = this.token();
    if (this.form.invalid || !token || this.busy()) return;
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const { name, password } = this.form.getRawValue();
      await this.auth.setup({ token, name, password });
      await this.router.navigateByUrl('/dashboard');
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }
}
