import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { Host, HostGroup } from '../../core/protocol';
import { CheckboxListComponent } from '../../shared/ui/checkbox-list.component';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { loadAll } from '../../shared/ui/load-all';
import type { Option } from '../../shared/ui/options';
import { createHostGroupForm, hostGroupInput } from './host-group-form';

/**
 * Add and edit a host group (`/host-groups/new`, `/host-groups/:id`): member hosts and member
 * groups from searchable checkbox lists. The API refuses a group that would contain itself
 * (409 `CORE_GROUP_CYCLE`, naming the path); that message is shown at the nested groups.
 */
@Component({
  selector: 'p-host-group-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatProgressBarModule, RouterLink, CheckboxListComponent],
  template: `
    <section class="p-page">
      <p><a routerLink="/host-groups">← Host groups</a></p>
      <h1 class="p-page-title">{{ editing() ? (group()?.name ?? 'Host group') : 'Add host group' }}</h1>
      @if (loading()) {
        <mat-progress-bar mode="indeterminate" />
      }
      @if (error(); as text) {
        <p class="p-error-banner" role="alert">{{ text }}</p>
      }
      <form class="p-form" [formGroup]="form" (ngSubmit)="save()" novalidate>
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
        @if (auth.canConfigure()) {
          <div class="p-form-actions">
            <button mat-flat-button type="submit" [disabled]="busy()">{{ editing() ? 'Save' : 'Add host group' }}</button>
            <a mat-button routerLink="/host-groups">Cancel</a>
            @if (group()) {
              <button mat-button type="button" class="danger" (click)="remove()">Delete group</button>
            }
          </div>
        } @else {
          <p class="p-muted">Your role can view host groups but not change them.</p>
        }
      </form>
    </section>
  `,
  styles: `.danger { margin-left: auto; --mat-button-text-label-text-color: var(--mat-sys-error); }`,
})
export class HostGroupFormComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  /** Route parameter; absent on `/host-groups/new`. */
  readonly id = input<string>();

  protected readonly form = createHostGroupForm();
  protected readonly group = signal<HostGroup | undefined>(undefined);
  protected readonly hosts = signal<readonly Host[]>([]);
  protected readonly groups = signal<readonly HostGroup[]>([]);
  protected readonly loading = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** The API's cycle refusal, shown at the nested groups until they change. */
  protected readonly cycle = signal<string | undefined>(undefined);
  protected readonly editing = computed(() => this.id() !== undefined);
  protected readonly message = fieldMessage;

  protected readonly hostOptions = computed<Option<number>[]>(() => this.hosts().map((h) => ({ id: h.id, label: h.name, hint: h.description || undefined })));
  protected readonly groupOptions = computed<Option<number>[]>(() =>
    this.groups()
      .filter((g) => String(g.id) !== this.id())
      .map((g) => ({ id: g.id, label: g.name, hint: g.description || undefined })),
  );

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => void this.load(id));
    });
    effect(() => {
      if (this.auth.canConfigure()) this.form.enable();
      else this.form.disable();
    });
    this.form.controls.groupIds.valueChanges.subscribe(() => this.cycle.set(undefined));
  }

  protected async save(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(undefined);
    this.cycle.set(undefined);
    try {
      const id = this.id();
      if (id === undefined) await this.api.post<HostGroup>('groups', hostGroupInput(this.form));
      else await this.api.put<HostGroup>(`groups/${encodeURIComponent(id)}`, hostGroupInput(this.form));
      this.form.markAsPristine();
      await this.router.navigate(['/host-groups']);
    } catch (err) {
      const e = toApiError(err);
      if (e.code === 'CORE_GROUP_CYCLE') {
        this.cycle.set(`Refused: this would make a group contain itself (${e.message.replace(/^Host group cycle refused:?\s*/i, '')}). Untick a member group to break the loop.`);
        this.error.set('Not saved: the nested groups would form a loop.');
      } else {
        this.error.set(applyApiError(this.form, e));
      }
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const group = this.group();
    if (!group) return;
    const ok = await this.confirm.confirm({
      title: 'Delete host group?',
      message: `“${group.name}” will be removed from its parent groups, checks, services and alerts. Its hosts and nested groups stay. This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (!ok) return;
    try {
      await this.api.delete(`groups/${group.id}`);
      await this.router.navigate(['/host-groups']);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private async load(id: string | undefined): Promise<void> {
    this.error.set(undefined);
    this.loading.set(true);
    try {
      const [hosts, groups, group] = await Promise.all([
        loadAll<Host>(this.api, 'hosts'),
        loadAll<HostGroup>(this.api, 'groups'),
        id === undefined ? Promise.resolve(undefined) : this.api.get<HostGroup>(`groups/${encodeURIComponent(id)}`),
      ]);
      this.hosts.set(hosts);
      this.groups.set(groups);
      this.group.set(group);
      // A new object: keep what the user typed while the lists were loading (the e2e suite found
      // that the late reset wiped it); an existing one is loaded into the form as it is.
      if (group !== undefined || !this.form.dirty) this.form.reset(createHostGroupForm(group).getRawValue());
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }
}
