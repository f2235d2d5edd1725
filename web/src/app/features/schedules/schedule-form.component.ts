import { DatePipe, formatDate } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, LOCALE_ID, computed, inject, input, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { ReactiveFormsModule, type AbstractControl } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { map, startWith } from 'rxjs';
import { AuthService } from '../../core/auth.service';
import { MAX_EVERY_MS, type Check, type Schedule, type ScheduleInput } from '../../core/protocol';
import { CheckboxListComponent } from '../../shared/ui/checkbox-list.component';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { FormActionsComponent } from '../../shared/ui/form-actions.component';
import { FormHeaderComponent } from '../../shared/ui/form-header.component';
import { createFormStore } from '../../shared/ui/form-store';
import { IconComponent } from '../../shared/ui/icon.component';
import { loadAll } from '../../shared/ui/load-all';
import { describedOptions } from '../../shared/ui/options';
import { createIntervalGroup, EVERY_UNITS, firstRunText, nextRuns } from './intervals';
import { createScheduleForm, defaultIntervalStart, formIntervals, scheduleInput } from './schedule-form';

/**
 * Add and edit a schedule (`/schedules/new`, `/schedules/:id`): its checks and one row per
 * interval (start in local time, every N seconds/minutes/hours/days), when the first run happens
 * and the next three run times
 * computed by protocol's schedule arithmetic, the same the agents use.
 */
@Component({
  selector: 'p-schedule-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DatePipe,
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatSlideToggleModule,
    CheckboxListComponent,
    FormActionsComponent,
    FormHeaderComponent,
    IconComponent,
  ],
  template: `
    <section class="p-page">
      <p-form-header [store]="store" />
      <form class="p-form" [formGroup]="form" (ngSubmit)="store.save()" novalidate>
        <mat-form-field>
          <mat-label>Name</mat-label>
          <input matInput formControlName="name" required autocomplete="off" />
          <mat-hint>e.g. <em>every 5 minutes</em> or <em>nightly</em>. Must be unique.</mat-hint>
          <mat-error>{{ message(form.controls.name) }}</mat-error>
        </mat-form-field>
        <mat-form-field>
          <mat-label>Description</mat-label>
          <textarea matInput formControlName="description" rows="2"></textarea>
          <mat-hint>Optional: why these checks run at these times.</mat-hint>
          <mat-error>{{ message(form.controls.description) }}</mat-error>
        </mat-form-field>
        <div class="toggle">
          <mat-slide-toggle formControlName="enabled">Enabled</mat-slide-toggle>
          <p class="hint p-muted">A disabled schedule keeps its settings but runs nothing.</p>
        </div>
        <p-checkbox-list
          label="Checks"
          formControlName="checkIds"
          [options]="checkOptions()"
          help="The checks this schedule runs, each on its hosts and groups."
          emptyText="No checks yet. Add a check first."
          [error]="message(form.controls.checkIds)"
        />

        <fieldset class="intervals" formArrayName="intervals">
          <legend>Intervals</legend>
          <p class="hint p-muted">Runs at the start time and then every N seconds, minutes, hours or days; a start in the past counts the runs from there, so they stay aligned (:00, :05, :10…). Times are in your local time zone ({{ zone }}).</p>
          @for (row of rows(); track row; let i = $index) {
            <div class="row" [formGroupName]="i">
              <mat-form-field class="start">
                <mat-label>Start</mat-label>
                <input matInput type="datetime-local" step="1" formControlName="start" required />
                <mat-hint>Runs are counted from here, local time.</mat-hint>
                <mat-error>{{ rowMessage(row.controls.start) }}</mat-error>
              </mat-form-field>
              <mat-form-field class="every">
                <mat-label>Every</mat-label>
                <input matInput type="number" min="1" step="1" formControlName="every" required />
                <mat-hint>How many…</mat-hint>
                <mat-error>{{ rowMessage(row.controls.every) }}</mat-error>
              </mat-form-field>
              <mat-form-field class="unit">
                <mat-label>Unit</mat-label>
                <mat-select formControlName="unit">
                  @for (unit of units; track unit) {
                    <mat-option [value]="unit">{{ unit }}</mat-option>
                  }
                </mat-select>
                <mat-hint>…of these.</mat-hint>
              </mat-form-field>
              @if (auth.canConfigure()) {
                <button
                  mat-icon-button
                  type="button"
                  class="remove"
                  [disabled]="rows().length === 1"
                  [attr.aria-label]="'Remove interval ' + (i + 1)"
                  (click)="removeRow(i)"
                >
                  <p-icon name="close" />
                </button>
              }
              @if (row.errors?.['everyTooLong'] || row.errors?.['everyTooShort']) {
                <p class="row-error" role="alert">{{ row.errors?.['everyTooLong'] ? 'At most every ' + maxDays + ' days.' : 'At least every second.' }}</p>
              }
            </div>
          }
          @if (intervalsError(); as text) {
            <p class="row-error" role="alert">{{ text }}</p>
          }
          @if (auth.canConfigure()) {
            <button mat-stroked-button type="button" (click)="addRow()"><p-icon name="add" /> Add interval</button>
          }
        </fieldset>

        <div class="next">
          <h2>Next runs</h2>
          @if (!form.controls.enabled.value) {
            <p class="p-muted">None: the schedule is disabled.</p>
          } @else if (next().length === 0) {
            <p class="p-muted">Complete an interval to see when it runs.</p>
          } @else {
            @if (firstRun(); as text) {
              <p class="first-run" role="status"><strong>{{ store.editing() ? 'The next run is' : 'Once saved, the first run is' }} {{ text }}.</strong></p>
            }
            <ol>
              @for (t of next(); track t) {
                <li>{{ t | date: 'EEE d MMM y, HH:mm:ss' }}</li>
              }
            </ol>
          }
        </div>

        <p-form-actions [store]="store" />
      </form>
    </section>
  `,
  styles: `
    .toggle { margin: 4px 0 12px; }
    .hint { margin: 2px 0 8px; font: var(--mat-sys-body-small); }
    .intervals { border: 1px solid var(--mat-sys-outline-variant); border-radius: 4px; padding: 4px 12px 12px; margin: 4px 0 12px; min-width: 0; }
    legend { padding: 0 4px; font: var(--mat-sys-body-large); }
    .row { display: grid; grid-template-columns: minmax(190px, 2fr) minmax(70px, 1fr) minmax(100px, 1fr) 40px; gap: 8px; align-items: start; margin-bottom: 8px; }
    .row mat-form-field { width: 100%; }
    .remove { margin-top: 8px; }
    .row-error { grid-column: 1 / -1; margin: 0; color: var(--mat-sys-error); font: var(--mat-sys-body-small); }
    .next h2 { font: var(--mat-sys-title-small); margin: 8px 0 4px; }
    .next ol { margin: 0 0 8px; padding-left: 24px; font-variant-numeric: tabular-nums; }
    @media (max-width: 599px) {
      .row { grid-template-columns: 1fr 1fr 40px; }
      .row .start { grid-column: 1 / -1; }
    }
  `,
})
export class ScheduleFormComponent {
  protected readonly auth = inject(AuthService);
  private readonly locale = inject(LOCALE_ID);

  /** Route parameter; absent on `/schedules/new`. */
  readonly id = input<string>();

  protected readonly form = createScheduleForm();
  protected readonly checks = signal<readonly Check[]>([]);
  protected readonly intervalsError = signal<string | undefined>(undefined);
  protected readonly message = fieldMessage;
  protected readonly zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  protected readonly maxDays = MAX_EVERY_MS / 86_400_000;

  protected readonly store = createFormStore<Schedule, ScheduleInput, Check[]>({
    id: this.id,
    form: this.form,
    resource: 'schedules',
    back: '/schedules',
    noun: 'schedule',
    lists: (api) => loadAll<Check>(api, 'checks'),
    reset: (schedule) => {
      // The interval rows are controls of their own: replace them, then the values.
      const fresh = createScheduleForm(schedule);
      const rows = this.form.controls.intervals;
      rows.clear({ emitEvent: false });
      for (const row of fresh.controls.intervals.controls) rows.push(row, { emitEvent: false });
      this.form.reset(fresh.getRawValue());
    },
    loaded: (_, checks) => this.checks.set(checks),
    body: () => scheduleInput(this.form),
    saving: () => this.intervalsError.set(undefined),
    refused: (e) => {
      // `intervals.0.everyMs` and the like belong to the rows, not to one control.
      if (!Object.keys(e.fieldErrors()).some((f) => f.startsWith('intervals'))) return applyApiError(this.form, e);
      this.intervalsError.set(e.message);
      return undefined;
    },
    deleteMessage: (schedule) => `“${schedule.name}” and its intervals will be deleted; its checks stay but stop running on it. This cannot be undone.`,
  });

  private readonly value = toSignal(this.form.valueChanges.pipe(startWith(null), map(() => this.form.getRawValue())), { requireSync: true });
  protected readonly rows = computed(() => {
    this.value();
    return [...this.form.controls.intervals.controls];
  });
  /** The clock the next runs count from, advanced every 15 s so the list never goes stale. */
  private readonly now = signal(Date.now());
  protected readonly next = computed(() => {
    this.value();
    return nextRuns(formIntervals(this.form), this.now());
  });
  /** When the first run happens (issue 21: the form gave no hint). */
  protected readonly firstRun = computed(() => {
    this.value();
    return firstRunText(formIntervals(this.form), this.now(), (t) => formatDate(t, 'EEE d MMM y, HH:mm:ss', this.locale));
  });
  protected readonly checkOptions = computed(() => describedOptions(this.checks()));

  constructor() {
    const clock = setInterval(() => this.now.set(Date.now()), 15_000);
    inject(DestroyRef).onDestroy(() => clearInterval(clock));
  }

  protected readonly units = EVERY_UNITS;

  protected rowMessage(control: AbstractControl): string | undefined {
    if (control.errors?.['time']) return 'Not a valid date and time.';
    if (control.errors?.['integer']) return 'A whole number.';
    return fieldMessage(control);
  }

  protected addRow(): void {
    const last = this.form.controls.intervals.at(-1)?.getRawValue();
    this.form.controls.intervals.push(createIntervalGroup({ start: last?.start || defaultIntervalStart(Date.now()), every: 1, unit: 'hours' }));
    this.intervalsError.set(undefined);
  }

  protected removeRow(index: number): void {
    if (this.form.controls.intervals.length > 1) this.form.controls.intervals.removeAt(index);
  }
}
