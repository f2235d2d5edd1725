import { DatePipe } from '@angular/common';
import type { Routes } from '@angular/router';
import type { User } from '../../core/protocol';
import { listRoute } from '../../shared/ui/list-route';

const date = new DatePipe('en-US');

export default [
  listRoute<User>({
    title: 'Users',
    resource: 'users',
    noun: 'user',
    help: 'Viewers see everything, operators may also run checks, administrators may also change the configuration.',
    deletable: true,
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'role', label: 'Role' },
      { key: 'lastLoginAt', label: 'Last sign-in', value: (u) => (u.lastLoginAt === null ? 'Never' : date.transform(u.lastLoginAt, 'short')) },
    ],
  }),
] satisfies Routes;
