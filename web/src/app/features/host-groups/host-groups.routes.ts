import type { Routes } from '@angular/router';
import type { HostGroup } from '../../core/protocol';
import { count, listRoute } from '../../shared/ui/list-route';
import { HostGroupFormComponent } from './host-group-form.component';

export default [
  listRoute<HostGroup>({
    title: 'Host groups',
    resource: 'groups',
    noun: 'host group',
    help: 'A host group is a named set of hosts and other groups. Checks, services and alerts can name a group instead of listing every host.',
    deletable: true,
    addLink: '/host-groups/new',
    rowLink: (g) => ['/host-groups', g.id],
    columns: [
      { key: 'name', label: 'Name', sortable: true },
      { key: 'description', label: 'Description' },
      { key: 'hosts', label: 'Hosts', value: (g) => count(g.hostIds) },
      { key: 'groups', label: 'Nested groups', value: (g) => count(g.groupIds) },
    ],
  }),
  { path: 'new', title: 'Add host group · Prophasis', component: HostGroupFormComponent },
  { path: ':id', title: 'Host group · Prophasis', component: HostGroupFormComponent },
] satisfies Routes;
