import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, effect, inject, signal } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { AuthService } from '../../core/auth.service';
import type { HousekeepingRun, HousekeepingStatus, Settings } from '../../core/protocol';
import { ConfirmService } from '../../shared/ui/confirm-dialog.component';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { describeRun, formatBytes, formatRows, keptFor, tableLabel } from './housekeeping';
import { createSettingsForm, MAX_LATENESS_SECONDS, settingsInput } from './settings-form';
import { CountPipe } from '../../shared/ui/plural';
import { ConfigPanelComponent } from './config-panel.component';

/** System-wide settings: scheduling lateness, retention (with each table's size and the last housekeeping run), and the mail server alerts use. */
@Component({
  selector: 'p-settings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ConfigPanelComponent, CountPipe, DatePipe, ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatProgressBarModule, MatSlideToggleModule],
  templateUrl: './settings.component.html',
  styles: `
    h2 { font: var(--mat-sys-title-medium); margin: 16px 0 8px; }
    .toggle { margin: 4px 0 12px; }
    .hint { margin: 2px 0 0; font: var(--mat-sys-body-small); }
    .saved { color: var(--mat-sys-primary); align-self: center; }
    .tables { border-collapse: collapse; margin: 8px 0 12px; font: var(--mat-sys-body-medium); }
    .tables th, .tables td { padding: 4px 16px 4px 0; text-align: left; }
    .tables td.num, .tables th.num { text-align: right; }
    .run { margin: 4px 0; }
    .failed { color: var(--mat-sys-error); }
  `,
})
export class SettingsComponent {
  private readonly api = inject(ApiService);
  private readonly confirm = inject(ConfirmService);
  protected readonly auth = inject(AuthService);
  protected readonly form = createSettingsForm();
  protected readonly settings = signal<Settings | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly saved = signal(false);
  protected readonly message = fieldMessage;
  protected readonly maxLateness = MAX_LATENESS_SECONDS;
  protected readonly housekeeping = signal<HousekeepingStatus | undefined>(undefined);
  protected readonly housekeepingError = signal<string | undefined>(undefined);
  protected readonly running = signal(false);
  protected readonly tableLabel = tableLabel;
  protected readonly formatBytes = formatBytes;
  protected readonly formatRows = formatRows;
  protected readonly keptFor = keptFor;
  protected readonly describeRun = describeRun;

  constructor() {
    effect(() => {
      if (this.auth.canConfigure()) this.form.enable();
      else this.form.disable();
    });
    this.form.valueChanges.subscribe(() => this.saved.set(false));
    this.api.get<Settings>('settings').then(
      (s) => this.show(s),
      (err: unknown) => this.error.set(toApiError(err).message),
    );
    void this.loadHousekeeping();
  }

  protected async loadHousekeeping(): Promise<void> {
    try {
      this.housekeeping.set(await this.api.get<HousekeepingStatus>('housekeeping'));
      this.housekeepingError.set(undefined);
    } catch (err) {
      this.housekeepingError.set(toApiError(err).message);
    }
  }

  /** Administrators: run housekeeping now (the page then shows the run and the new sizes). */
  protected async runHousekeeping(): Promise<void> {
    if (this.running()) return;
    this.running.set(true);
    try {
      await this.api.post<HousekeepingRun>('housekeeping/run', {});
      await this.loadHousekeeping();
    } catch (err) {
      this.housekeepingError.set(toApiError(err).message);
    } finally {
      this.running.set(false);
    }
  }

  protected async save(): Promise<void> {
    this.form.markAllAsTouched();
    if (this.form.invalid || this.busy()) return;
    this.busy.set(true);
    this.error.set(undefined);
    try {
      this.show(await this.api.put<Settings>('settings', settingsInput(this.form)));
      this.saved.set(true);
    } catch (err) {
      this.error.set(applyApiError(this.form, err));
    } finally {
      this.busy.set(false);
    }
  }

  protected async clearPassword(): Promise<void> {
    const ok = await this.confirm.confirm({
      title: 'Remove the SMTP password?',
      message: 'The mail server will be contacted without a password. E-mail alerts may stop working.',
      confirmLabel: 'Remove',
    });
    if (!ok) return;
    try {
      this.show(await this.api.put<Settings>('settings', { smtpPassword: '' }));
    } catch (err) {
      this.error.set(toApiError(err).message);
    }
  }

  private show(s: Settings): void {
    this.settings.set(s);
    this.form.reset(createSettingsForm(s).getRawValue());
  }
}
