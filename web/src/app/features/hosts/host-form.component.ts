import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { Host } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { createHostForm, hostInput } from './host-form';
import { EnrolmentPanelComponent } from './enrolment-panel.component';
import { agentStatus } from './host-status';

/**
 * Add and edit a host: one form for both (`/hosts/new`, `/hosts/:id`). Editing also shows the
 * agent's status; users who may not configure see the values read-only.
 */
@Component({
  selector: 'p-host-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, ReactiveFormsModule, MatButtonModule, MatCardModule, MatFormFieldModule, MatInputModule, MatProgressBarModule, RouterLink, EnrolmentPanelComponent],
  templateUrl: './host-form.component.html',
  styles: `
    .agent { margin: 0 0 24px; max-width: 640px; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
    dt { color: var(--mat-sys-on-surface-variant); }
    dd { margin: 0; overflow-wrap: anywhere; }
    .danger { margin-left: auto; --mat-button-text-label-text-color: var(--mat-sys-error); }
  `,
})
export class HostFormComponent {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);

  /** Route parameter; absent on `/hosts/new`. */
  readonly id = input<string>();
  /**
   * Right after the host was added (navigation state `{ enrol: true }`, so the URL stays
   * `/hosts/:id` and a reload does not issue another token) the enrolment commands show at once.
   */
  protected readonly autoEnrol = this.router.currentNavigation()?.extras.state?.['enrol'] === true;

  protected readonly form = createHostForm();
  protected readonly host = signal<Host | undefined>(undefined);
  protected readonly loading = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly editing = computed(() => this.id() !== undefined);
  protected readonly message = fieldMessage;
  protected readonly status = agentStatus;

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

  protected async save(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(undefined);
    try {
      const id = this.id();
      if (id === undefined) {
        const created = await this.api.post<Host>('hosts', hostInput(this.form));
        // Stay on the new host: its page shows the agent's status and the enrolment commands.
        await this.router.navigate(['/hosts', created.id], { state: { enrol: true } });
      } else {
        this.host.set(await this.api.put<Host>(`hosts/${encodeURIComponent(id)}`, hostInput(this.form)));
        this.form.markAsPristine();
        await this.router.navigate(['/hosts']);
      }
    } catch (err) {
      this.error.set(applyApiError(this.form, err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const host = this.host();
    if (!host) return;
    const ok = await this.confirm.confirm({
      title: 'Delete host?',
      message: `“${host.name}” and its results will be deleted, and its agent will no longer be accepted. This cannot be undone.`,
      confirmLabel: 'Delete',
    });
    if (!ok) return;
    try {
      await this.api.delete(`hosts/${host.id}`);
      await this.router.navigate(['/hosts']);
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private async load(id: string | undefined): Promise<void> {
    this.error.set(undefined);
    if (id === undefined) {
      this.host.set(undefined);
      this.form.reset({ name: '', description: '' });
      return;
    }
    this.loading.set(true);
    try {
      const host = await this.api.get<Host>(`hosts/${encodeURIComponent(id)}`);
      this.host.set(host);
      this.form.reset({ name: host.name, description: host.description });
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.loading.set(false);
    }
  }
}
