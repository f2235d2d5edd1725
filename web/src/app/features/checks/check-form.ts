import { FormControl, FormGroup, Validators } from '@angular/forms';
import { CheckInput, type Check } from '../../core/protocol';
import { schemaValidators } from '../../shared/ui/form-errors';
import { schemaFormValue, type SchemaForm } from '../../shared/ui/schema-form';

export type CheckForm = FormGroup<{
  name: FormControl<string>;
  description: FormControl<string>;
  hostIds: FormControl<number[]>;
  groupIds: FormControl<number[]>;
  pluginIds: FormControl<string[]>;
  /** The check's own flap thresholds (docs/alerts.md, "Flapping"); both empty: the global settings. */
  flapLowPercent: FormControl<number | null>;
  flapHighPercent: FormControl<number | null>;
}>;

/** A flap threshold: empty (the global setting) or 0–100 %. */
const percent = [Validators.min(0), Validators.max(100)];

/** The add/edit form of a check (parameters live in one generated form per plugin). */
export function createCheckForm(check?: Pick<Check, 'name' | 'description' | 'hostIds' | 'groupIds' | 'plugins'> & Partial<Pick<Check, 'flapLowPercent' | 'flapHighPercent'>>): CheckForm {
  const fields = CheckInput.properties;
  return new FormGroup({
    name: new FormControl(check?.name ?? '', { nonNullable: true, validators: schemaValidators(fields.name, { required: true }) }),
    description: new FormControl(check?.description ?? '', { nonNullable: true, validators: schemaValidators(fields.description) }),
    hostIds: new FormControl<number[]>([...(check?.hostIds ?? [])], { nonNullable: true }),
    groupIds: new FormControl<number[]>([...(check?.groupIds ?? [])], { nonNullable: true }),
    pluginIds: new FormControl<string[]>(check?.plugins.map((p) => p.pluginId) ?? [], { nonNullable: true }),
    flapLowPercent: new FormControl<number | null>(check?.flapLowPercent ?? null, { validators: percent }),
    flapHighPercent: new FormControl<number | null>(check?.flapHighPercent ?? null, { validators: percent }),
  });
}

/**
 * The request body for `POST /api/checks` and `PUT /api/checks/:id`: each chosen plugin with
 * the values of its generated form, or, when its schema is unknown, the parameters it had.
 */
export function checkInput(
  form: CheckForm,
  paramForms: ReadonlyMap<string, SchemaForm>,
  previous: ReadonlyMap<string, Record<string, unknown>> = new Map(),
): CheckInput {
  const v = form.getRawValue();
  return {
    name: v.name.trim(),
    description: v.description.trim(),
    hostIds: v.hostIds,
    groupIds: v.groupIds,
    plugins: v.pluginIds.map((pluginId) => {
      const params = paramForms.get(pluginId);
      return { pluginId, params: params ? schemaFormValue(params) : (previous.get(pluginId) ?? {}) };
    }),
    // An emptied number input gives null (or '' in some browsers): the global setting.
    flapLowPercent: threshold(v.flapLowPercent),
    flapHighPercent: threshold(v.flapHighPercent),
  };
}

/** A threshold field's value for the API: a number, or null when left empty. */
function threshold(value: number | string | null): number | null {
  if (value === null || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
