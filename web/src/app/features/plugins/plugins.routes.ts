import type { Routes } from '@angular/router';
import { PluginDetailComponent } from './plugin-detail.component';
import { PluginListComponent } from './plugin-list.component';

export default [
  { path: '', title: 'Plugins · Prophasis', component: PluginListComponent },
  { path: ':id', title: 'Plugin · Prophasis', component: PluginDetailComponent },
] satisfies Routes;
