import { FormControl, FormGroup } from '@angular/forms';
import { HostInput, type Host } from '../../core/protocol';
import { schemaValidators } from '../../shared/ui/form-errors';

export type HostForm = FormGroup<{ name: FormControl<string>; description: FormControl<string> }>;

/** The add/edit form of a host, enforcing the limits of the API's `HostInput` schema. */
export function createHostForm(host?: Pick<Host, 'name' | 'description'>): HostForm {
  const fields = HostInput.properties;
  return new FormGroup({
    name: new FormControl(host?.name ?? '', { nonNullable: true, validators: schemaValidators(fields.name, { required: true }) }),
    description: new FormControl(host?.description ?? '', { nonNullable: true, validators: schemaValidators(fields.description) }),
  });
}

/** The request body for `POST /api/hosts` and `PUT /api/hosts/:id`. */
export function hostInput(form: HostForm): HostInput {
  const { name, description } = form.getRawValue();
  return { name: name.trim(), description: description.trim() };
}
