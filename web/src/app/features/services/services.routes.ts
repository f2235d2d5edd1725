import type { Routes } from '@angular/router';
import type { Service } from '../../core/protocol';
import { count, listRoute } from '../../shared/ui/list-route';

export default [
  listRoute<Service>({
    title: 'Services',
    resource: 'services',
    noun: 'service',
    help: 'A service is healthy when all its dependencies are healthy and at least one member of each redundancy group is.',
    deletable: true,
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'description', label: 'Description' },
      { key: 'dependencies', label: 'Dependencies', value: (s) => count(s.dependencies) },
      { key: 'redundancy', label: 'Redundancy groups', value: (s) => count(s.redundancyGroups) },
    ],
  }),
] satisfies Routes;
