import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import { RedundancyGroup, ServiceInput, type Host, type HostGroup, type Member, type Service } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage, schemaValidators } from '../../shared/ui/form-errors';
import { IconComponent } from '../../shared/ui/icon.component';
import { loadAll } from '../../shared/ui/load-all';
import type { Option } from '../../shared/ui/options';
import { PickerService } from '../../shared/ui/picker-dialog.component';
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
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatProgressBarModule, RouterLink, IconComponent],
  templateUrl: './service-form.component.html',
  styleUrl: './service-form.component.scss',
})
export class ServiceFormComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  private readonly confirm = inject(ConfirmService);
  private readonly picker = inject(PickerService);
  protected readonly auth = inject(AuthService);

  /** Route parameter; absent on `/services/new`. */
  readonly id = input<string>();

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true, validators: schemaValidators(ServiceInput.properties.name, { required: true }) }),
    description: new FormControl('', { nonNullable: true, validators: schemaValidators(ServiceInput.properties.description) }),
  });
  protected readonly service = signal<Service | undefined>(undefined);
  protected readonly hosts = signal<readonly Host[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly dependencies = signal<readonly Member[]>([]);
  protected readonly redundancy = signal<readonly EditableGroup[]>([]);
  protected readonly loading = signal(false);
  protected readonly busy = signal(false);
  protected readonly submitted = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly structureError = signal<string | undefined>(undefined);
  protected readonly editing = computed(() => this.id() !== undefined);
  protected readonly message = fieldMessage;
  protected readonly nameMax = GROUP_NAME_MAX;
  protected readonly problems = computed(() => groupProblems(this.redundancy(), GROUP_NAME_MAX));

  private readonly hostNames = computed(() => new Map(this.hosts().map((h) => [h.id, h.name])));
  private readonly groupNames = computed(() => new Map(this.groups().map((g) => [g.id, g.name])));
  private readonly options = computed<Option<string>[]>(() => [
    ...this.hosts().map((h) => ({ id: memberKey({ kind: 'host', id: h.id }), label: h.name, hint: 'host' })),
    ...this.groups().map((g) => ({ id: memberKey({ kind: 'group', id: g.id }), label: g.name, hint: 'group' })),
  ]);

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => void this.load(id));
    });
    effect(() => {
      if (this.auth.canConfigure()) this.form.enable();
      else this.form.disable();
    });
  }

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
        message: `“${group.name}” and its ${group.members.length} member(s) will be removed from this service when you save.`,
        confirmLabel: 'Remove',
      });
      if (!ok) return;
    }
    this.redundancy.update((groups) => removeGroup(groups, index));
  }

  protected async save(): Promise<void> {
    this.form.markAllAsTouched();
    this.submitted.set(true);
    if (this.form.invalid || this.problems().size > 0 || this.busy()) return;
    this.busy.set(true);
    this.error.set(undefined);
    this.structureError.set(undefined);
    const v = this.form.getRawValue();
    const body: ServiceInput = {
      name: v.name.trim(),
      description: v.description.trim(),
      dependencies: [...this.dependencies()],
      redundancyGroups: this.redundancy().map((g) => ({ name: g.name.trim(), members: g.members })),
    };
    try {
      const id = this.id();
      if (id === undefined) await this.api.post<Service>('services', body);
      else await this.api.put<Service>(`services/${encodeURIComponent(id)}`, body);
      await this.router.navigate(['/services']);
    } catch (err) {
      const e = toApiError(err);
      const field = String((e.details as { field?: unknown } | undefined)?.field ?? '');
      if (/^(members|dependencies|redundancyGroups)/.test(field)) this.structureError.set(e.message);
      else this.error.set(applyApiError(this.form, e));
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const service = this.service();
    if (!service) return;
    const ok = await this.confirm.confirm({
      title: 'Delete service?',
      message: `“${service.name}”, its dependencies, redundancy groups and alert scopes will be deleted. The hosts and groups stay. This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (!ok) return;
    try {
      await this.api.delete(`services/${service.id}`);
      await this.router.navigate(['/services']);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private async pick(title: string, help: string, existing: readonly Member[]): Promise<Member[]> {
    const keys = await this.picker.pick<string>({ title, help, options: this.options(), exclude: existing.map(memberKey) });
    return keys.flatMap((k) => parseMemberKey(k) ?? []);
  }

  private async load(id: string | undefined): Promise<void> {
    this.error.set(undefined);
    this.submitted.set(false);
    this.loading.set(true);
    try {
      const [hosts, groups, service] = await Promise.all([
        loadAll<Host>(this.api, 'hosts'),
        loadAll<HostGroup>(this.api, 'groups'),
        id === undefined ? Promise.resolve(undefined) : this.api.get<Service>(`services/${encodeURIComponent(id)}`),
      ]);
      this.hosts.set(hosts);
      this.groups.set(groups);
      this.service.set(service);
      // A new object: keep what the user typed while the lists were loading (the e2e suite found
      // that the late reset wiped it); an existing one is loaded into the form as it is.
      if (service !== undefined || !this.form.dirty) this.form.reset({ name: service?.name ?? '', description: service?.description ?? '' });
      this.dependencies.set(service?.dependencies ?? []);
      this.redundancy.set(service?.redundancyGroups.map((g) => ({ name: g.name, members: [...g.members] })) ?? []);
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }
}
