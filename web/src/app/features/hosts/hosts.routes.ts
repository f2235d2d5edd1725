import type { Routes } from '@angular/router';
import { HostFormComponent } from './host-form.component';
import { HostListComponent } from './host-list.component';

export default [
  { path: '', title: 'Hosts · Prophasis', component: HostListComponent },
  { path: 'new', title: 'Add host · Prophasis', component: HostFormComponent },
  { path: ':id', title: 'Host · Prophasis', component: HostFormComponent },
] satisfies Routes;
