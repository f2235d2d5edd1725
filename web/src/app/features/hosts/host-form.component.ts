import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router } from '@angular/router';
import type { Host, HostInput } from '../../core/protocol';
import { fieldMessage } from '../../shared/ui/form-errors';
import { FormActionsComponent } from '../../shared/ui/form-actions.component';
import { FormHeaderComponent } from '../../shared/ui/form-header.component';
import { createFormStore } from '../../shared/ui/form-store';
import { createHostForm, hostInput } from './host-form';
import { EnrolmentPanelComponent } from './enrolment-panel.component';
import { HostDependenciesComponent } from './host-dependencies.component';
import { agentStatus } from './host-status';

/**
 * Add and edit a host: one form for both (`/hosts/new`, `/hosts/:id`). Editing also shows the
 * agent's status; users who may not configure see the values read-only.
 */
@Component({
  selector: 'p-host-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, ReactiveFormsModule, MatCardModule, MatFormFieldModule, MatInputModule, EnrolmentPanelComponent, HostDependenciesComponent, FormActionsComponent, FormHeaderComponent],
  templateUrl: './host-form.component.html',
  styles: `
    .agent { margin: 0 0 24px; max-width: 640px; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
    dt { color: var(--mat-sys-on-surface-variant); }
    dd { margin: 0; overflow-wrap: anywhere; }
  `,
})
export class HostFormComponent {
  private readonly router = inject(Router);

  /** Route parameter; absent on `/hosts/new`. */
  readonly id = input<string>();
  /**
   * Right after the host was added (navigation state `{ enrol: true }`, so the URL stays
   * `/hosts/:id` and a reload does not issue another token) the enrolment commands show at once.
   */
  protected readonly autoEnrol = this.router.currentNavigation()?.extras.state?.['enrol'] === true;

  protected readonly form = createHostForm();
  protected readonly store = createFormStore<Host, HostInput>({
    id: this.id,
    form: this.form,
    resource: 'hosts',
    back: '/hosts',
    noun: 'host',
    reset: (host) => this.form.reset({ name: host?.name ?? '', description: host?.description ?? '', tags: (host?.tags ?? []).join(', ') }),
    body: () => hostInput(this.form),
    saved: async (host, created) => {
      if (created) {
        // Stay on the new host: its page shows the agent's status and the enrolment commands.
        await this.router.navigate(['/hosts', host.id], { state: { enrol: true } });
      } else {
        this.host.set(host);
        await this.router.navigate(['/hosts']);
      }
    },
    deleteMessage: (host) => `“${host.name}” and its results will be deleted, and its agent will no longer be accepted. This cannot be undone.`,
  });
  /** The host as loaded, with its agent's status; the enrolment panel replaces it when it changes. */
  protected readonly host = this.store.item;
  protected readonly message = fieldMessage;
  protected readonly status = agentStatus;
}
