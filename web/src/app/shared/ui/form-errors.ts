import { Validators, type AbstractControl, type FormGroup, type ValidationErrors, type ValidatorFn } from '@angular/forms';
import { toApiError } from '../../core/api-error';

/** The API refuses names of only spaces (`pattern: '\S'`); say so before it does. */
function notBlank(control: AbstractControl<string>): ValidationErrors | null {
  return control.value && !/\S/.test(control.value) ? { blank: true } : null;
}

/** The message to show under a field, or undefined when it is valid. */
export function fieldMessage(control: AbstractControl): string | undefined {
  const errors = control.errors;
  if (!errors) return undefined;
  if (errors['server']) return String(errors['server']);
  if (errors['required']) return 'Required.';
  if (errors['blank']) return 'Must contain more than spaces.';
  if (errors['maxlength']) return `At most ${(errors['maxlength'] as { requiredLength: number }).requiredLength} characters.`;
  if (errors['minlength']) return `At least ${(errors['minlength'] as { requiredLength: number }).requiredLength} characters.`;
  if (errors['min']) return `At least ${(errors['min'] as { min: number }).min}.`;
  if (errors['max']) return `At most ${(errors['max'] as { max: number }).max}.`;
  if (errors['pattern']) return 'Not in the expected format.';
  return 'Invalid value.';
}

/**
 * Puts an API error where it applies: on the fields its `details` name (shown under them,
 * cleared by the next edit) and otherwise at the top of the form. `NAME_TAKEN` belongs to the
 * `name` field even without details. Returns the message for the top of the form, if any.
 */
export function applyApiError(form: FormGroup, err: unknown): string | undefined {
  const error = toApiError(err);
  const fields = error.fieldErrors();
  if (error.code.endsWith('_NAME_TAKEN') && form.contains('name')) fields['name'] ??= error.message;
  let placed = false;
  for (const [field, message] of Object.entries(fields)) {
    const control = form.get(field);
    if (!control) continue;
    control.setErrors({ ...control.errors, server: message });
    control.markAsTouched();
    placed = true;
  }
  return placed ? undefined : error.message;
}

/** The parts of a JSON Schema (TypeBox) string or number property that forms enforce. */
export interface SchemaLimits {
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
}

/**
 * Angular validators from a property schema of protocol/src/api.ts, so a form enforces the
 * API's own limits and never a second copy of them.
 */
export function schemaValidators(schema: SchemaLimits, options: { required?: boolean } = {}): ValidatorFn[] {
  const out: ValidatorFn[] = [];
  if (options.required) out.push(Validators.required);
  if (schema.minLength !== undefined && schema.minLength > 1) out.push(Validators.minLength(schema.minLength));
  if (schema.maxLength !== undefined) out.push(Validators.maxLength(schema.maxLength));
  if (schema.minimum !== undefined) out.push(Validators.min(schema.minimum));
  if (schema.maximum !== undefined) out.push(Validators.max(schema.maximum));
  // `\S` (not only spaces) gets its own readable message; other patterns a generic one.
  if (schema.pattern === '\\S') out.push(notBlank as ValidatorFn);
  else if (schema.pattern !== undefined) out.push(Validators.pattern(new RegExp(schema.pattern)));
  return out;
}
