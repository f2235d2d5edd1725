import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { Host, HostGroup, HostGroupInput } from '../../core/protocol';
import { CheckboxListComponent } from '../../shared/ui/checkbox-list.component';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { FormActionsComponent } from '../../shared/ui/form-actions.component';
import { FormHeaderComponent } from '../../shared/ui/form-header.component';
import { createFormStore } from '../../shared/ui/form-store';
import { loadAll } from '../../shared/ui/load-all';
import { describedOptions } from '../../shared/ui/options';
import { createHostGroupForm, hostGroupInput } from './host-group-form';

/**
 * Add and edit a host group (`/host-groups/new`, `/host-groups/:id`): member hosts and member
 * groups from searchable checkbox lists. The API refuses a group that would contain itself
 * (409 `CORE_GROUP_CYCLE`, naming the path); that message is shown at the nested groups.
 */
@Component({
  selector: 'p-host-group-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, CheckboxListComponent, FormActionsComponent, FormHeaderComponent],
  template: `
    <section class="p-page">
      <p-form-header [store]="store" />
      <form class="p-form" [formGroup]="form" (ngSubmit)="store.save()" novalidate>
        <mat-form-field>
          <mat-label>Name</mat-label>
          <input matInput formControlName="name" required autocomplete="off" />
          <mat-hint>How the group appears in checks, services and alerts, e.g. <em>web servers</em>. Must be unique.</mat-hint>
          <mat-error>{{ message(form.controls.name) }}</mat-error>
        </mat-form-field>
        <mat-form-field>
          <mat-label>Description</mat-label>
          <textarea matInput formControlName="description" rows="2"></textarea>
          <mat-hint>Optional: what the members have in common.</mat-hint>
          <mat-error>{{ message(form.controls.description) }}</mat-error>
        </mat-form-field>
        <p-checkbox-list
          label="Member hosts"
          formControlName="hostIds"
          [options]="hostOptions()"
          help="Hosts that belong to this group directly."
          emptyText="No hosts yet. Add hosts first."
          [error]="message(form.controls.hostIds)"
        />
        <p-checkbox-list
          label="Member groups"
          formControlName="groupIds"
          [options]="groupOptions()"
          help="Groups nested in this one: their hosts belong to this group too. A group cannot contain itself, not even through other groups."
          emptyText="No other groups yet."
          [error]="cycle() ?? message(form.controls.groupIds)"
        />
        <p-form-actions [store]="store" />
      </form>
    </section>
  `,
})
export class HostGroupFormComponent {
  /** Route parameter; absent on `/host-groups/new`. */
  readonly id = input<string>();

  protected readonly form = createHostGroupForm();
  protected readonly hosts = signal<readonly Host[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  /** The API's cycle refusal, shown at the nested groups until they change. */
  protected readonly cycle = signal<string | undefined>(undefined);
  protected readonly message = fieldMessage;

  protected readonly store = createFormStore<HostGroup, HostGroupInput, [Host[], HostGroup[]]>({
    id: this.id,
    form: this.form,
    resource: 'groups',
    back: '/host-groups',
    noun: 'host group',
    deleteLabel: 'Delete group',
    lists: (api) => Promise.all([loadAll<Host>(api, 'hosts'), loadAll<HostGroup>(api, 'groups')]),
    reset: (group) => this.form.reset(createHostGroupForm(group).getRawValue()),
    loaded: (_, [hosts, groups]) => {
      this.hosts.set(hosts);
      this.groups.set(groups);
    },
    body: () => hostGroupInput(this.form),
    saving: () => this.cycle.set(undefined),
    refused: (e) => {
      if (e.code !== 'CORE_GROUP_CYCLE') return applyApiError(this.form, e);
      this.cycle.set(`Refused: this would make a group contain itself (${e.message.replace(/^Host group cycle refused:?\s*/i, '')}). Untick a member group to break the loop.`);
      return 'Not saved: the nested groups would form a loop.';
    },
    deleteMessage: (group) =>
      `“${group.name}” will be removed from its parent groups, checks, services and alerts. Its hosts and nested groups stay. This cannot be undone.`,
  });

  protected readonly hostOptions = computed(() => describedOptions(this.hosts()));
  protected readonly groupOptions = computed(() => describedOptions(this.groups().filter((g) => String(g.id) !== this.id())));

  constructor() {
    this.form.controls.groupIds.valueChanges.subscribe(() => this.cycle.set(undefined));
  }
}
