import type { Routes } from '@angular/router';
import { HostDetailComponent } from './host-detail.component';
import { HostFormComponent } from './host-form.component';
import { HostHealthComponent } from './host-health.component';

export default [
  { path: '', title: 'Host health · Prophasis', component: HostHealthComponent },
  { path: 'new', title: 'Add host · Prophasis', component: HostFormComponent },
  { path: ':id/detail', title: 'Host report · Prophasis', component: HostDetailComponent },
  { path: ':id', title: 'Host · Prophasis', component: HostFormComponent },
] satisfies Routes;
