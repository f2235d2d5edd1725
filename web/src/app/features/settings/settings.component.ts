import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import type { Settings } from '../../core/protocol';

/** System-wide settings, shown read-only until the settings form exists. */
@Component({
  selector: 'p-settings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatCardModule],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">Settings</h1>
      <p class="p-muted">System-wide limits: how late a scheduled check may start, how long results are kept, and the mail server alerts use.</p>
      @if (error(); as message) {
        <p class="p-error-banner" role="alert">{{ message }}</p>
      }
      @if (settings(); as s) {
        <mat-card appearance="outlined" class="card">
          <mat-card-content>
            <dl>
              <dt>Maximum lateness</dt>
              <dd>{{ s.maxLatenessMs / 1000 }} s</dd>
              <dt>Keep raw results</dt>
              <dd>{{ s.retentionRawDays }} days</dd>
              <dt>Keep per-minute rollups</dt>
              <dd>{{ s.retentionMinuteDays }} days</dd>
              <dt>Keep per-hour rollups</dt>
              <dd>{{ s.retentionHourDays }} days</dd>
              <dt>SMTP server</dt>
              <dd>{{ s.smtp.host ? s.smtp.host + ':' + s.smtp.port + (s.smtp.secure ? ' (TLS)' : '') : 'Not set' }}</dd>
              <dt>SMTP sender</dt>
              <dd>{{ s.smtp.from || '—' }}</dd>
              <dt>SMTP user</dt>
              <dd>{{ s.smtp.user || '—' }} {{ s.smtpPasswordSet ? '(password set)' : '' }}</dd>
            </dl>
          </mat-card-content>
        </mat-card>
      }
    </section>
  `,
  styles: `
    .card { max-width: 640px; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 8px 24px; margin: 0; }
    dt { color: var(--mat-sys-on-surface-variant); }
    dd { margin: 0; overflow-wrap: anywhere; }
  `,
})
export class SettingsComponent {
  private readonly api = inject(ApiService);
  protected readonly settings = signal<Settings | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    this.api.get<Settings>('settings').then(
      (s) => this.settings.set(s),
      (err: unknown) => this.error.set(toApiError(err).message),
    );
  }
}
