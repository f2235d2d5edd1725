import { FormControl, FormGroup, Validators, type ValidatorFn } from '@angular/forms';
import { AlertInput, type Alert, type Severity } from '../../core/protocol';
import { schemaValidators } from '../../shared/ui/form-errors';
import { createSchemaForm, schemaFormValue, type SchemaForm } from '../../shared/ui/schema-form';
import { alertModule, type AlertModule } from './alert-modules';
import { inSeverityOrder } from '../../shared/ui/severity-chips.component';

export type AlertScopes = NonNullable<AlertInput['scopes']>;

export const NO_SCOPES: AlertScopes = { hostIds: [], groupIds: [], serviceIds: [], pluginIds: [], checkIds: [] };

export type AlertForm = FormGroup<{
  name: FormControl<string>;
  enabled: FormControl<boolean>;
  fromStates: FormControl<Severity[]>;
  toStates: FormControl<Severity[]>;
  module: FormControl<string>;
  /** Minutes between repeats while the problem lasts unacknowledged; empty: no repeat. */
  repeatMinutes: FormControl<number | null>;
}>;

/** Whole numbers only (a number input accepts 1.5). */
const wholeNumber: ValidatorFn = (c) => (c.value === null || c.value === '' || Number.isInteger(Number(c.value)) ? null : { server: 'Must be a whole number.' });

/** The add/edit form of an alert (scopes and module settings are edited beside it). */
export function createAlertForm(alert?: Pick<Alert, 'name' | 'enabled' | 'fromStates' | 'toStates' | 'module'> & Partial<Pick<Alert, 'repeatMinutes'>>): AlertForm {
  const fields = AlertInput.properties;
  return new FormGroup({
    name: new FormControl(alert?.name ?? '', { nonNullable: true, validators: schemaValidators(fields.name, { required: true }) }),
    enabled: new FormControl(alert?.enabled ?? true, { nonNullable: true }),
    fromStates: new FormControl<Severity[]>(inSeverityOrder(alert?.fromStates ?? ['ok']), { nonNullable: true, validators: [Validators.required] }),
    toStates: new FormControl<Severity[]>(inSeverityOrder(alert?.toStates ?? ['major', 'minor']), { nonNullable: true, validators: [Validators.required] }),
    module: new FormControl(alert?.module ?? 'email', { nonNullable: true, validators: schemaValidators(fields.module, { required: true }) }),
    repeatMinutes: new FormControl<number | null>(alert?.repeatMinutes ?? null, { validators: [Validators.min(1), Validators.max(10_080), wholeNumber] }),
  });
}

/**
 * One escalation step being edited (docs/alerts.md, "Repeat and escalation"): after how many
 * minutes, by which module, and that module's settings (a generated form; the settings as
 * loaded when the console has no form for the module).
 */
export interface EscalationStepForm {
  group: FormGroup<{ afterMinutes: FormControl<number | null>; module: FormControl<string> }>;
  settings: SchemaForm | undefined;
  loaded: Record<string, unknown>;
}

type EscalationStep = NonNullable<AlertInput['escalations']>[number];

/** A step's form, from a stored step or, for a new one, `afterMinutes` and the alert's module. */
export function createStepForm(step: Partial<EscalationStep>, modules: readonly AlertModule[]): EscalationStepForm {
  const module = step.module ?? 'email';
  const known = alertModule(module, modules);
  const loaded = step.settings ?? {};
  return {
    group: new FormGroup({
      afterMinutes: new FormControl<number | null>(step.afterMinutes ?? null, { validators: [Validators.required, Validators.min(1), Validators.max(525_600), wholeNumber] }),
      module: new FormControl(module, { nonNullable: true, validators: [Validators.required] }),
    }),
    settings: known ? createSchemaForm(known.settings, loaded) : undefined,
    loaded,
  };
}

/** The steps for the API, in the order shown. */
function escalationsInput(steps: readonly EscalationStepForm[]): EscalationStep[] {
  return steps.map((s) => ({
    afterMinutes: Number(s.group.controls.afterMinutes.value),
    module: s.group.controls.module.value,
    settings: s.settings ? schemaFormValue(s.settings) : s.loaded,
  }));
}

/**
 * Puts the core's refusal of a step (`details.field` `escalations.0.settings.to`,
 * `escalations.1.module`, …) on that step's field; false when the field names no step field
 * shown (the message then goes to the top of the form).
 */
export function placeStepError(steps: readonly EscalationStepForm[], field: string, message: string): boolean {
  const m = /^escalations\.(\d+)\.(afterMinutes|module|settings\.([^.]+))/.exec(field);
  const step = m ? steps[Number(m[1])] : undefined;
  if (!m || !step) return false;
  const control = m[3] !== undefined ? step.settings?.group.controls[m[3]] : step.group.controls[m[2] as 'afterMinutes' | 'module'];
  if (!control) return false;
  control.setErrors({ ...control.errors, server: message });
  control.markAsTouched();
  return true;
}

/** The request body for `POST /api/alerts` and `PUT /api/alerts/:id`. */
export function alertInput(form: AlertForm, scopes: AlertScopes, settings: Record<string, unknown>, steps: readonly EscalationStepForm[] = []): AlertInput {
  const v = form.getRawValue();
  const repeat = v.repeatMinutes === null || (v.repeatMinutes as unknown) === '' ? undefined : Number(v.repeatMinutes);
  return {
    name: v.name.trim(),
    enabled: v.enabled,
    fromStates: inSeverityOrder(v.fromStates),
    toStates: inSeverityOrder(v.toStates),
    scopes,
    module: v.module,
    settings,
    // Left out: no repeat (the API clears a stored one).
    ...(repeat === undefined ? {} : { repeatMinutes: repeat }),
    escalations: escalationsInput(steps),
  };
}
