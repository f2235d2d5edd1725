import { FormControl, FormGroup } from '@angular/forms';
import { HostInput, type Host } from '../../core/protocol';
import { schemaValidators } from '../../shared/ui/form-errors';

export type HostForm = FormGroup<{ name: FormControl<string>; description: FormControl<string>; tags: FormControl<string> }>;

/** The add/edit form of a host, enforcing the limits of the API's `HostInput` schema. */
export function createHostForm(host?: Pick<Host, 'name' | 'description' | 'tags'>): HostForm {
  const fields = HostInput.properties;
  return new FormGroup({
    name: new FormControl(host?.name ?? '', { nonNullable: true, validators: schemaValidators(fields.name, { required: true }) }),
    description: new FormControl(host?.description ?? '', { nonNullable: true, validators: schemaValidators(fields.description) }),
    // Comma-separated in the form; the API checks each tag and names the one it refuses.
    tags: new FormControl((host?.tags ?? []).join(', '), { nonNullable: true }),
  });
}

/** The request body for `POST /api/hosts` and `PUT /api/hosts/:id`. */
export function hostInput(form: HostForm): HostInput {
  const { name, description, tags } = form.getRawValue();
  return { name: name.trim(), description: description.trim(), tags: splitTags(tags) };
}

/** `a, b ,,a` → `['a', 'b']`: trimmed, empty ones and repeats left out. */
export function splitTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  ];
}
