import { FormControl, FormGroup } from '@angular/forms';
import { HostGroupInput, type HostGroup } from '../../core/protocol';
import { schemaValidators } from '../../shared/ui/form-errors';

export type HostGroupForm = FormGroup<{
  name: FormControl<string>;
  description: FormControl<string>;
  hostIds: FormControl<number[]>;
  groupIds: FormControl<number[]>;
}>;

/** The add/edit form of a host group, with the limits of the API's `HostGroupInput`. */
export function createHostGroupForm(group?: Pick<HostGroup, 'name' | 'description' | 'hostIds' | 'groupIds'>): HostGroupForm {
  const fields = HostGroupInput.properties;
  return new FormGroup({
    name: new FormControl(group?.name ?? '', { nonNullable: true, validators: schemaValidators(fields.name, { required: true }) }),
    description: new FormControl(group?.description ?? '', { nonNullable: true, validators: schemaValidators(fields.description) }),
    hostIds: new FormControl<number[]>([...(group?.hostIds ?? [])], { nonNullable: true }),
    groupIds: new FormControl<number[]>([...(group?.groupIds ?? [])], { nonNullable: true }),
  });
}

/** The request body for `POST /api/groups` and `PUT /api/groups/:id`. */
export function hostGroupInput(form: HostGroupForm): HostGroupInput {
  const v = form.getRawValue();
  return { name: v.name.trim(), description: v.description.trim(), hostIds: v.hostIds, groupIds: v.groupIds };
}
