import type { Routes } from '@angular/router';
import type { Check } from '../../core/protocol';
import { count, listRoute } from '../../shared/ui/list-route';
import { CheckFormComponent } from './check-form.component';

export default [
  listRoute<Check>({
    title: 'Checks',
    resource: 'checks',
    noun: 'check',
    help: 'A check runs a set of plugins, with their parameters, on a set of hosts and host groups. Schedules say when checks run.',
    deletable: true,
    addLink: '/checks/new',
    rowLink: (c) => ['/checks', c.id],
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'description', label: 'Description' },
      { key: 'hosts', label: 'Hosts', value: (c) => count(c.hostIds) },
      { key: 'groups', label: 'Groups', value: (c) => count(c.groupIds) },
      { key: 'plugins', label: 'Plugins', value: (c) => c.plugins.map((p) => p.pluginId).join(', ') },
    ],
  }),
  { path: 'new', title: 'Add check · Prophasis', component: CheckFormComponent },
  { path: ':id', title: 'Check · Prophasis', component: CheckFormComponent },
] satisfies Routes;
