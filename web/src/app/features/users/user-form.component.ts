import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { AuthService } from '../../core/auth.service';
import { ROLE_NAMES, type User, type UserInput } from '../../core/protocol';
import { fieldMessage } from '../../shared/ui/form-errors';
import { FormActionsComponent } from '../../shared/ui/form-actions.component';
import { FormHeaderComponent } from '../../shared/ui/form-header.component';
import { createFormStore } from '../../shared/ui/form-store';
import { createUserForm, MIN_PASSWORD_LENGTH, passwordValidators, userInput } from './user-form';

/** What each role may do, as the role select explains it. */
const ROLE_HELP: Readonly<Record<User['role'], string>> = {
  viewer: 'Viewer: sees everything, changes nothing.',
  operator: 'Operator: also runs checks now and acknowledges.',
  admin: 'Administrator: also changes the configuration and manages users.',
};

/** Add and edit a user (`/users/new`, `/users/:id`); administrators only, like the API. */
@Component({
  selector: 'p-user-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatSelectModule, FormActionsComponent, FormHeaderComponent],
  template: `
    <section class="p-page">
      <p-form-header [store]="store" />
      @if (auth.canConfigure()) {
        <form class="p-form" [formGroup]="form" (ngSubmit)="store.save()" novalidate>
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
          <p-form-actions [store]="store" />
        </form>
      } @else {
        <p class="p-muted">Only administrators can see and manage users.</p>
      }
    </section>
  `,
})
export class UserFormComponent {
  protected readonly auth = inject(AuthService);

  readonly id = input<string>();

  protected readonly form = createUserForm();
  protected readonly store = createFormStore<User, UserInput>({
    id: this.id,
    form: this.form,
    resource: 'users',
    back: '/users',
    noun: 'user',
    loadWhen: () => this.auth.canConfigure(),
    reset: (user) => {
      this.form.controls.password.setValidators(passwordValidators(!user));
      this.form.reset({ name: user?.name ?? '', role: user?.role ?? 'viewer', password: '' });
    },
    body: () => userInput(this.form),
    deleteMessage: (user) => `“${user.name}” will be signed out and can no longer sign in. The audit trail keeps the name. This cannot be undone.`,
  });
  protected readonly editing = this.store.editing;
  protected readonly message = fieldMessage;
  protected readonly roles = ROLE_NAMES;
  protected readonly roleHelp = ROLE_HELP;
  protected readonly minPassword = MIN_PASSWORD_LENGTH;
}
