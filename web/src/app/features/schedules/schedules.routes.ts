import type { Routes } from '@angular/router';
import type { Schedule } from '../../core/protocol';
import { count, listRoute } from '../../shared/ui/list-route';

export default [
  listRoute<Schedule>({
    title: 'Schedules',
    resource: 'schedules',
    noun: 'schedule',
    help: 'A schedule runs its checks at regular intervals, each starting at a date and time and repeating every few minutes, hours or days.',
    deletable: true,
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'enabled', label: 'Enabled', value: (s) => s.enabled },
      { key: 'checks', label: 'Checks', value: (s) => count(s.checkIds) },
      { key: 'intervals', label: 'Intervals', value: (s) => count(s.intervals) },
      { key: 'description', label: 'Description' },
    ],
  }),
] satisfies Routes;
