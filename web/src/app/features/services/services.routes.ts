import type { Routes } from '@angular/router';
import type { Service } from '../../core/protocol';
import { count, listRoute } from '../../shared/ui/list-route';
import { ServiceFormComponent } from './service-form.component';

export default [
  listRoute<Service>({
    title: 'Services',
    resource: 'services',
    noun: 'service',
    help: 'A service is healthy when all its dependencies are healthy and at least one member of each redundancy group is.',
    deletable: true,
    addLink: '/services/new',
    rowLink: (s) => ['/services', s.id],
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'description', label: 'Description' },
      { key: 'dependencies', label: 'Dependencies', value: (s) => count(s.dependencies) },
      { key: 'redundancy', label: 'Redundancy groups', value: (s) => count(s.redundancyGroups) },
    ],
  }),
  { path: 'new', title: 'Add service · Prophasis', component: ServiceFormComponent },
  { path: ':id', title: 'Service · Prophasis', component: ServiceFormComponent },
] satisfies Routes;
