import { FormArray, FormControl, FormGroup } from '@angular/forms';
import { ScheduleInput, type Interval, type Schedule } from '../../core/protocol';
import { schemaValidators } from '../../shared/ui/form-errors';
import { createIntervalGroup, intervalToRow, rowToInterval, toLocalInput, type IntervalGroup } from './intervals';

export type ScheduleForm = FormGroup<{
  name: FormControl<string>;
  description: FormControl<string>;
  enabled: FormControl<boolean>;
  checkIds: FormControl<number[]>;
  intervals: FormArray<IntervalGroup>;
}>;

/**
 * The start offered for a new interval: the current whole hour (local time), so the slots are
 * aligned to the period (:00, :05, :10… for every 5 minutes) and the first run comes within one
 * period, not at the next full hour (issue 21: saved at 09:01, the first data came at 10:00).
 */
export function defaultIntervalStart(now: number): string {
  const d = new Date(now);
  d.setMinutes(0, 0, 0);
  return toLocalInput(d.getTime());
}

/** The add/edit form of a schedule; a new one starts with one interval row. */
export function createScheduleForm(schedule?: Pick<Schedule, 'name' | 'description' | 'enabled' | 'checkIds' | 'intervals'>, now = Date.now()): ScheduleForm {
  const fields = ScheduleInput.properties;
  const rows = schedule ? schedule.intervals.map((i) => createIntervalGroup(intervalToRow(i))) : [createIntervalGroup({ start: defaultIntervalStart(now), every: 5, unit: 'minutes' })];
  return new FormGroup({
    name: new FormControl(schedule?.name ?? '', { nonNullable: true, validators: schemaValidators(fields.name, { required: true }) }),
    description: new FormControl(schedule?.description ?? '', { nonNullable: true, validators: schemaValidators(fields.description) }),
    enabled: new FormControl(schedule?.enabled ?? true, { nonNullable: true }),
    checkIds: new FormControl<number[]>([...(schedule?.checkIds ?? [])], { nonNullable: true }),
    intervals: new FormArray(rows),
  });
}

/** The intervals of the rows that are complete, as the API wants them (UTC epoch ms). */
export function formIntervals(form: ScheduleForm): Interval[] {
  return form.controls.intervals.getRawValue().flatMap((row) => rowToInterval(row) ?? []);
}

/** The request body for `POST /api/schedules` and `PUT /api/schedules/:id`. */
export function scheduleInput(form: ScheduleForm): ScheduleInput {
  const v = form.getRawValue();
  return { name: v.name.trim(), description: v.description.trim(), enabled: v.enabled, checkIds: v.checkIds, intervals: formIntervals(form) };
}
