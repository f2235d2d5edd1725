import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { AuthService } from '../../core/auth.service';
import { RedundancyGroup, ServiceInput, type Host, type HostGroup, type Member, type Service } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage, schemaValidators } from '../../shared/ui/form-errors';
import { FormActionsComponent } from '../../shared/ui/form-actions.component';
import { FormHeaderComponent } from '../../shared/ui/form-header.component';
import { createFormStore } from '../../shared/ui/form-store';
import { IconComponent } from '../../shared/ui/icon.component';
import { loadAll } from '../../shared/ui/load-all';
import type { Option } from '../../shared/ui/options';
import { PickerService } from '../../shared/ui/picker-dialog.component';
import { count } from '../../shared/ui/plural';
import {
  addGroup,
  addMembers,
  groupProblems,
  memberKey,
  parseMemberKey,
  removeGroup,
  removeMember,
  updateGroup,
  type EditableGroup,
} from './service-structure';

const GROUP_NAME_MAX = RedundancyGroup.properties.name.maxLength ?? 128;

/**
 * Add and edit a service (`/services/new`, `/services/:id`). Its structure is drawn as boxes:
 * one for the dependencies (each must be healthy) and one per redundancy group (at least one
 * member healthy). Members come from a searchable picker dialog and leave with their ×.
 */
@Component({
  selector: 'p-service-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, FormActionsComponent, FormHeaderComponent, IconComponent],
  templateUrl: './service-form.component.html',
  styleUrl: './service-form.component.scss',
})
export class ServiceFormComponent {
  private readonly confirm = inject(ConfirmService);
  private readonly picker = inject(PickerService);
  protected readonly auth = inject(AuthService);

  /** Route parameter; absent on `/services/new`. */
  readonly id = input<string>();

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true, validators: schemaValidators(ServiceInput.properties.name, { required: true }) }),
    description: new FormControl('', { nonNullable: true, validators: schemaValidators(ServiceInput.properties.description) }),
  });
  protected readonly hosts = signal<readonly Host[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly dependencies = signal<readonly Member[]>([]);
  protected readonly redundancy = signal<readonly EditableGroup[]>([]);
  protected readonly submitted = signal(false);
  protected readonly structureError = signal<string | undefined>(undefined);
  protected readonly message = fieldMessage;
  protected readonly nameMax = GROUP_NAME_MAX;
  protected readonly problems = computed(() => groupProblems(this.redundancy(), GROUP_NAME_MAX));

  protected readonly store = createFormStore<Service, ServiceInput, [Host[], HostGroup[]]>({
    id: this.id,
    form: this.form,
    resource: 'services',
    back: '/services',
    noun: 'service',
    lists: (api) => Promise.all([loadAll<Host>(api, 'hosts'), loadAll<HostGroup>(api, 'groups')]),
    reset: (service) => this.form.reset({ name: service?.name ?? '', description: service?.description ?? '' }),
    loaded: (service, [hosts, groups]) => {
      this.submitted.set(false);
      this.hosts.set(hosts);
      this.groups.set(groups);
      this.dependencies.set(service?.dependencies ?? []);
      this.redundancy.set(service?.redundancyGroups.map((g) => ({ name: g.name, members: [...g.members] })) ?? []);
    },
    blocked: () => {
      this.submitted.set(true);
      return this.problems().size > 0;
    },
    body: () => {
      const v = this.form.getRawValue();
      return {
        name: v.name.trim(),
        description: v.description.trim(),
        dependencies: [...this.dependencies()],
        redundancyGroups: this.redundancy().map((g) => ({ name: g.name.trim(), members: g.members })),
      };
    },
    saving: () => this.structureError.set(undefined),
    refused: (e) => {
      const field = String((e.details as { field?: unknown } | undefined)?.field ?? '');
      if (!/^(members|dependencies|redundancyGroups)/.test(field)) return applyApiError(this.form, e);
      this.structureError.set(e.message);
      return undefined;
    },
    deleteMessage: (service) =>
      `“${service.name}”, its dependencies, redundancy groups and alert scopes will be deleted. The hosts and groups stay. This cannot be undone.`,
  });

  private readonly hostNames = computed(() => new Map(this.hosts().map((h) => [h.id, h.name])));
  private readonly groupNames = computed(() => new Map(this.groups().map((g) => [g.id, g.name])));
  private readonly options = computed<Option<string>[]>(() => [
    ...this.hosts().map((h) => ({ id: memberKey({ kind: 'host', id: h.id }), label: h.name, hint: 'host' })),
    ...this.groups().map((g) => ({ id: memberKey({ kind: 'group', id: g.id }), label: g.name, hint: 'group' })),
  ]);

  protected label(member: Member): string {
    const name = (member.kind === 'host' ? this.hostNames() : this.groupNames()).get(member.id);
    return name ?? `${member.kind} ${member.id}`;
  }

  protected readonly key = memberKey;

  protected async addDependencies(): Promise<void> {
    const picked = await this.pick('Add dependencies', 'Each host or group chosen must be healthy for the service to be healthy.', this.dependencies());
    this.dependencies.update((list) => addMembers(list, picked));
  }

  protected removeDependency(member: Member): void {
    this.dependencies.update((list) => removeMember(list, member));
  }

  protected addRedundancyGroup(): void {
    this.redundancy.update(addGroup);
  }

  protected async addGroupMembers(index: number): Promise<void> {
    const group = this.redundancy()[index];
    if (!group) return;
    const picked = await this.pick(`Add to “${group.name}”`, 'The group is healthy while at least one of its members is.', group.members);
    this.redundancy.update((groups) => updateGroup(groups, index, (g) => ({ ...g, members: addMembers(g.members, picked) })));
  }

  protected removeGroupMember(index: number, member: Member): void {
    this.redundancy.update((groups) => updateGroup(groups, index, (g) => ({ ...g, members: removeMember(g.members, member) })));
  }

  protected renameGroup(index: number, name: string): void {
    this.redundancy.update((groups) => updateGroup(groups, index, (g) => ({ ...g, name })));
  }

  protected async removeRedundancyGroup(index: number): Promise<void> {
    const group = this.redundancy()[index];
    if (!group) return;
    if (group.members.length > 0) {
      const ok = await this.confirm.confirm({
        title: 'Remove redundancy group?',
        message: `“${group.name}” and its ${count(group.members.length, 'member', 'members')} will be removed from this service when you save.`,
        confirmLabel: 'Remove',
      });
      if (!ok) return;
    }
    this.redundancy.update((groups) => removeGroup(groups, index));
  }

  private async pick(title: string, help: string, existing: readonly Member[]): Promise<Member[]> {
    const keys = await this.picker.pick<string>({ title, help, options: this.options(), exclude: existing.map(memberKey) });
    return keys.flatMap((k) => parseMemberKey(k) ?? []);
  }
}
