import { FormControl, FormGroup, Validators } from '@angular/forms';
import { AlertInput, type Alert, type Severity } from '../../core/protocol';
import { schemaValidators } from '../../shared/ui/form-errors';
import { inSeverityOrder } from '../../shared/ui/severity-chips.component';

export type AlertScopes = NonNullable<AlertInput['scopes']>;

export const NO_SCOPES: AlertScopes = { hostIds: [], groupIds: [], serviceIds: [], pluginIds: [], checkIds: [] };

export type AlertForm = FormGroup<{
  name: FormControl<string>;
  enabled: FormControl<boolean>;
  fromStates: FormControl<Severity[]>;
  toStates: FormControl<Severity[]>;
  module: FormControl<string>;
}>;

/** The add/edit form of an alert (scopes and module settings are edited beside it). */
export function createAlertForm(alert?: Pick<Alert, 'name' | 'enabled' | 'fromStates' | 'toStates' | 'module'>): AlertForm {
  const fields = AlertInput.properties;
  return new FormGroup({
    name: new FormControl(alert?.name ?? '', { nonNullable: true, validators: schemaValidators(fields.name, { required: true }) }),
    enabled: new FormControl(alert?.enabled ?? true, { nonNullable: true }),
    fromStates: new FormControl<Severity[]>(inSeverityOrder(alert?.fromStates ?? ['ok']), { nonNullable: true, validators: [Validators.required] }),
    toStates: new FormControl<Severity[]>(inSeverityOrder(alert?.toStates ?? ['major', 'minor']), { nonNullable: true, validators: [Validators.required] }),
    module: new FormControl(alert?.module ?? 'email', { nonNullable: true, validators: schemaValidators(fields.module, { required: true }) }),
  });
}

/** The request body for `POST /api/alerts` and `PUT /api/alerts/:id`. */
export function alertInput(form: AlertForm, scopes: AlertScopes, settings: Record<string, unknown>): AlertInput {
  const v = form.getRawValue();
  return {
    name: v.name.trim(),
    enabled: v.enabled,
    fromStates: inSeverityOrder(v.fromStates),
    toStates: inSeverityOrder(v.toStates),
    scopes,
    module: v.module,
    settings,
  };
}
