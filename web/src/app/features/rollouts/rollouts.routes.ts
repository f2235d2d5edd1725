import type { Routes } from '@angular/router';
import { RolloutsComponent } from './rollouts.component';

export default [{ path: '', title: 'Staged rollouts · Prophasis', component: RolloutsComponent }] satisfies Routes;
