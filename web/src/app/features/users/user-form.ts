import { FormControl, FormGroup, Validators, type ValidatorFn } from '@angular/forms';
import { UserInput, type User } from '../../core/protocol';
import { schemaValidators } from '../../shared/ui/form-errors';

/**
 * The core's password policy refuses shorter passwords (`CORE_API_WEAK_PASSWORD`, docs/api.md).
 * protocol's `UserInput` only says `minLength: 1`, so the console states the policy's number
 * here until protocol exports it; the API stays the judge (repetition, the user's own name).
 */
export const MIN_PASSWORD_LENGTH = 12;

export type UserForm = FormGroup<{ name: FormControl<string>; role: FormControl<User['role']>; password: FormControl<string> }>;

/** The add/edit form of a user: the password is required when adding, optional when editing. */
export function createUserForm(user?: Pick<User, 'name' | 'role'>): UserForm {
  const fields = UserInput.properties;
  return new FormGroup({
    name: new FormControl(user?.name ?? '', { nonNullable: true, validators: schemaValidators(fields.name, { required: true }) }),
    role: new FormControl<User['role']>(user?.role ?? 'viewer', { nonNullable: true, validators: [Validators.required] }),
    password: new FormControl('', { nonNullable: true, validators: passwordValidators(!user) }),
  });
}

/** Validators of the password field: required only when creating a user. */
export function passwordValidators(required: boolean): ValidatorFn[] {
  const rules = [Validators.minLength(MIN_PASSWORD_LENGTH), ...schemaValidators(UserInput.properties.password)];
  return required ? [Validators.required, ...rules] : rules;
}

/** The request body; an empty password on edit is left out, which keeps the current one. */
export function userInput(form: UserForm): UserInput {
  const { name, role, password } = form.getRawValue();
  return password ? { name: name.trim(), role, password } : { name: name.trim(), role };
}
