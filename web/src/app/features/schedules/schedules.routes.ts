import { DatePipe } from '@angular/common';
import type { Routes } from '@angular/router';
import type { Schedule } from '../../core/protocol';
import { count, listRoute } from '../../shared/ui/list-route';
import { nextRuns } from './intervals';
import { ScheduleFormComponent } from './schedule-form.component';

const date = new DatePipe('en-US');

export default [
  listRoute<Schedule>({
    title: 'Schedules',
    resource: 'schedules',
    noun: 'schedule',
    help: 'A schedule runs its checks at regular intervals, each starting at a date and time and repeating every few minutes, hours or days.',
    deletable: true,
    addLink: '/schedules/new',
    rowLink: (s) => ['/schedules', s.id],
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'enabled', label: 'Enabled', value: (s) => s.enabled },
      { key: 'checks', label: 'Checks', value: (s) => count(s.checkIds) },
      { key: 'intervals', label: 'Intervals', value: (s) => count(s.intervals) },
      { key: 'next', label: 'Next run', value: (s) => (s.enabled && s.intervals.length ? date.transform(nextRuns(s.intervals, Date.now(), 1)[0], 'short') : undefined) },
      { key: 'description', label: 'Description' },
    ],
  }),
  { path: 'new', title: 'Add schedule · Prophasis', component: ScheduleFormComponent },
  { path: ':id', title: 'Schedule · Prophasis', component: ScheduleFormComponent },
] satisfies Routes;
