import { ChangeDetectionStrategy, Component, computed, inject, input, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { AcknowledgedMark, AcknowledgementInput, MaintenanceMark, ProblemRef, Severity } from '../../core/protocol';
import { ProblemMarksComponent } from './problem-marks.component';

/**
 * A problem's marks and what operators and administrators can do about it (docs/alerts.md):
 * Acknowledge with a comment (sticky: until ok again), remove the acknowledgement, and Silence
 * (the silences page with this host, service, or plugin on this host filled in). Viewers see
 * the marks only.
 */
@Component({
  selector: 'p-problem-actions',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, MatButtonModule, MatCheckboxModule, MatFormFieldModule, MatInputModule, RouterLink, ProblemMarksComponent],
  template: `
    <p-problem-marks class="long" [acknowledged]="acknowledged()" [maintenance]="maintenance()" [flapping]="flapping()" [causedBy]="causedBy()" />
    @if (canAct()) {
      @if (acknowledged(); as a) {
        <button mat-button type="button" (click)="unacknowledge(a.id)" [disabled]="busy()">Remove acknowledgement</button>
      } @else if (severity() !== 'ok' && !open()) {
        <button mat-stroked-button type="button" (click)="open.set(true)">Acknowledge</button>
      }
      <a mat-button routerLink="/silences" [queryParams]="silenceQuery()">Silence</a>
    }
    @if (open()) {
      <form class="ack-form" (ngSubmit)="acknowledge()">
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Comment</mat-label>
          <input matInput name="comment" required maxlength="2000" [(ngModel)]="comment" />
        </mat-form-field>
        <mat-checkbox name="sticky" [(ngModel)]="sticky">Until it is ok again</mat-checkbox>
        <button mat-flat-button type="submit" [disabled]="busy() || !comment.trim()">Save acknowledgement</button>
        <button mat-button type="button" (click)="open.set(false)">Cancel</button>
      </form>
    }
    @if (error(); as message) {
      <p class="p-error-banner" role="alert">{{ message }}</p>
    }
  `,
  styles: `
    :host { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
    .ack-form { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; width: 100%; }
    .ack-form mat-form-field { flex: 1 1 16rem; }
  `,
})
export class ProblemActionsComponent {
  private readonly api = inject(ApiService);
  private readonly auth = inject(AuthService);

  readonly problem = input.required<ProblemRef>();
  readonly severity = input<Severity>('ok');
  readonly acknowledged = input<AcknowledgedMark | null | undefined>(null);
  readonly maintenance = input<MaintenanceMark | null | undefined>(null);
  readonly flapping = input(false);
  /** The down parent host its problem is caused by (docs/alerts.md, "Dependencies"). */
  readonly causedBy = input<{ hostId: number; name: string } | null | undefined>(null);
  /** After an acknowledgement was saved or removed: reload the page's report. */
  readonly changed = output<void>();

  protected readonly canAct = computed(() => ['admin', 'operator'].includes(this.auth.user()?.role ?? ''));
  protected readonly silenceQuery = computed(() => {
    const p = this.problem();
    if (p.serviceId) return { serviceId: p.serviceId };
    return p.pluginId ? { hostId: p.hostId, pluginId: p.pluginId } : { hostId: p.hostId };
  });
  protected readonly open = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected comment = '';
  protected sticky = false;

  protected async acknowledge(): Promise<void> {
    await this.run(async () => {
      const body: AcknowledgementInput = { problem: this.problem(), comment: this.comment.trim(), sticky: this.sticky };
      await this.api.post('acknowledgements', body);
      this.open.set(false);
      this.comment = '';
    });
  }

  protected async unacknowledge(id: number): Promise<void> {
    await this.run(() => this.api.delete(`acknowledgements/${id}`));
  }

  private async run(action: () => Promise<unknown>): Promise<void> {
    this.busy.set(true);
    this.error.set(undefined);
    try {
      await action();
      this.changed.emit();
    } catch (err) {
      this.error.set(toApiError(err).message);
    } finally {
      this.busy.set(false);
    }
  }
}
